#include "core/broker/cluster_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/storage/checkpoint_file.h"

namespace kbench::broker {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Result<ClusterMember> ParseMember(std::string_view item) {
  item = Trim(item);
  const size_t at = item.find('@');
  if (at == std::string_view::npos || at == 0) {
    return Status::InvalidArgument(fmt::format("'{}': expected ID@HOST:PORT", item));
  }
  int32_t id = -1;
  const std::string_view id_text = item.substr(0, at);
  auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || ptr != id_text.data() + id_text.size() || id < 0) {
    return Status::InvalidArgument(fmt::format("'{}': broker id '{}' is not an integer >= 0", item,
                                               id_text));
  }
  Result<ListenerAddress> address = ListenerAddress::Parse(item.substr(at + 1));
  if (!address.ok()) {
    return Status::InvalidArgument(fmt::format("'{}': {}", item, address.status().message()));
  }
  if (address->port == 0 || address->host.empty()) {
    return Status::InvalidArgument(
        fmt::format("'{}': members need a concrete host and a port > 0", item));
  }
  return ClusterMember{BrokerId(id), *address, std::nullopt};
}

Status CheckUnique(const std::vector<ClusterMember>& members) {
  if (members.empty()) return Status::InvalidArgument("the cluster has no members");
  std::set<BrokerId> ids;
  for (const ClusterMember& m : members) {
    if (!ids.insert(m.id).second) {
      return Status::InvalidArgument(fmt::format("broker id {} is listed twice", m.id.value()));
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<BrokerId> ClusterConfig::member_ids() const {
  std::vector<BrokerId> ids;
  for (const ClusterMember& m : members) ids.push_back(m.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

const ClusterMember* ClusterConfig::Find(BrokerId id) const {
  for (const ClusterMember& m : members) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

Result<std::vector<ClusterMember>> ClusterConfig::ParseMembers(std::string_view list) {
  std::vector<ClusterMember> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) {
      KB_ASSIGN_OR_RETURN(ClusterMember m, ParseMember(item));
      out.push_back(std::move(m));
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  KB_RETURN_IF_ERROR(CheckUnique(out));
  return out;
}

Result<std::vector<ClusterMember>> ClusterConfig::ParseFile(const std::string& path) {
  Result<std::string> text = storage::ReadWholeFile(path);
  if (!text.ok()) {
    return Status::InvalidArgument(
        fmt::format("cannot read cluster file {}: {}", path, text.status().message()));
  }
  std::vector<ClusterMember> out;
  std::string_view rest = *text;
  for (int line_no = 1; !rest.empty(); ++line_no) {
    const size_t nl = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = Trim(line.substr(0, hash));
    }
    if (line.empty()) continue;
    const size_t space = line.find_first_of(" \t");
    Result<ClusterMember> m = ParseMember(line.substr(0, space));
    if (!m.ok()) {
      return Status::InvalidArgument(fmt::format("{} line {}: {}", path, line_no, m.status().message()));
    }
    if (space != std::string_view::npos) {
      const std::string_view extra = Trim(line.substr(space));
      if (!extra.starts_with("rack=") || extra.size() == 5) {
        return Status::InvalidArgument(
            fmt::format("{} line {}: expected 'rack=NAME' after the address, got '{}'", path,
                        line_no, extra));
      }
      m->rack = std::string(extra.substr(5));
    }
    out.push_back(std::move(*m));
  }
  Status unique = CheckUnique(out);
  if (!unique.ok()) return Status::InvalidArgument(fmt::format("{}: {}", path, unique.message()));
  return out;
}

Result<ClusterConfig> ClusterConfig::ForMember(std::vector<ClusterMember> members, BrokerId self,
                                               const std::string& self_log_dir) {
  KB_RETURN_IF_ERROR(CheckUnique(members));
  ClusterConfig c;
  c.members = std::move(members);
  if (c.Find(self) == nullptr) {
    return Status::InvalidArgument(
        fmt::format("node.id {} is not in the cluster's member list", self.value()));
  }
  const ClusterMember* lowest = &c.members.front();
  for (const ClusterMember& m : c.members) {
    if (m.id < lowest->id) lowest = &m;
  }
  c.controller = lowest->address;
  c.host_controller = lowest->id == self;
  if (c.host_controller) c.controller_dir = self_log_dir;
  return c;
}

}  // namespace kbench::broker
