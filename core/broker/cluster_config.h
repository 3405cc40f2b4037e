// ClusterConfig: how one broker takes part in a bundled cluster: the static member list (every
// broker id with the address it listens on, identical on every member), where the controller is,
// and whether this broker process hosts it. A broker with no members is a lone broker (it is its
// own controller, as before issue 4).
//
// Member list forms (`kbench broker --cluster`, or one member per line in a cluster file):
//   1@127.0.0.1:9092,2@127.0.0.1:9093,3@127.0.0.1:9094
//   # cluster file: id@host:port [rack=NAME] per line; blank lines and # comments ignored
// In a multi-process cluster the controller runs inside the member with the lowest id and answers
// on that member's port (the cluster APIs are routed to it); in the embedded cluster it has a port
// of its own (docs/architecture.md, "Replication and the bundled cluster").
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/broker/socket_server_config.h"

namespace kbench::broker {

struct ClusterMember {
  BrokerId id{0};
  ListenerAddress address;
  std::optional<std::string> rack;  // from a cluster file (informational; brokers report theirs)
  friend bool operator==(const ClusterMember& a, const ClusterMember& b) {
    return a.id == b.id && a.address.host == b.address.host && a.address.port == b.address.port &&
           a.rack == b.rack;
  }
};

struct ClusterConfig {
  std::vector<ClusterMember> members;  // empty: a lone broker
  ListenerAddress controller;          // where the controller answers the cluster APIs
  bool host_controller = false;        // this broker process runs the controller
  std::string controller_dir;          // its metadata directory (when hosted)

  bool enabled() const { return !members.empty(); }
  std::vector<BrokerId> member_ids() const;
  const ClusterMember* Find(BrokerId id) const;

  // "1@host:port,2@host:port,..." (ids unique, >= 0, ports > 0). Errors name the item.
  static Result<std::vector<ClusterMember>> ParseMembers(std::string_view list);
  // One "id@host:port [rack=NAME]" per line; errors name the file and line.
  static Result<std::vector<ClusterMember>> ParseFile(const std::string& path);
  // Members of a multi-process cluster as seen from member `self`: the controller is the lowest
  // id's address, hosted when that is `self` (its metadata in `self_log_dir`/controller).
  static Result<ClusterConfig> ForMember(std::vector<ClusterMember> members, BrokerId self,
                                         const std::string& self_log_dir);
};

}  // namespace kbench::broker
