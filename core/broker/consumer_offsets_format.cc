#include "core/broker/consumer_offsets_format.h"

#include <fmt/format.h>

#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::broker::consumer_offsets {
namespace {

using protocol::Reader;
using protocol::Writer;

// The Writer reserves a 4-byte frame size prefix; records carry no prefix.
Result<std::vector<uint8_t>> Body(Writer&& w, std::string_view what) {
  Result<protocol::EncodedMessage> msg = std::move(w).Finish();
  if (!msg.ok()) return msg.status().WithContext(fmt::format("encoding {}", what));
  std::vector<uint8_t> bytes = std::move(msg->bytes);
  bytes.erase(bytes.begin(), bytes.begin() + 4);
  return bytes;
}

// A reader failure or trailing bytes as a Corruption naming the record type.
Status Check(const Reader& r, std::string_view what, int16_t version) {
  if (!r.ok()) {
    return Status::Corruption(fmt::format("{} v{}: {}", what, version, r.status().message()));
  }
  if (r.remaining() != 0) {
    return Status::Corruption(fmt::format("{} v{}: {} trailing bytes at byte {}", what, version,
                                          r.remaining(), r.position()));
  }
  return Status::Ok();
}

void WriteMember(Writer& w, const MemberMetadataValue& m) {
  w.WriteString("member_id", m.member_id);
  w.WriteNullableString("group_instance_id", m.group_instance_id);
  w.WriteString("client_id", m.client_id);
  w.WriteString("client_host", m.client_host);
  w.WriteInt32(m.rebalance_timeout_ms);
  w.WriteInt32(m.session_timeout_ms);
  w.WriteBytes("subscription", m.subscription);
  w.WriteBytes("assignment", m.assignment);
}

void ReadMember(Reader& r, int16_t version, MemberMetadataValue& m) {
  m.member_id = r.ReadString("members.member_id");
  if (version >= 3) m.group_instance_id = r.ReadNullableString("members.group_instance_id");
  m.client_id = r.ReadString("members.client_id");
  m.client_host = r.ReadString("members.client_host");
  if (version >= 1) m.rebalance_timeout_ms = r.ReadInt32("members.rebalance_timeout");
  m.session_timeout_ms = r.ReadInt32("members.session_timeout");
  if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
  m.subscription = r.ReadBytes("members.subscription");
  m.assignment = r.ReadBytes("members.assignment");
}

// member_id + client_id + client_host (2 each) + session timeout (4) + two BYTES (4 each).
constexpr size_t kMinMemberSize = 2 + 2 + 2 + 4 + 4 + 4;

}  // namespace

Result<std::vector<uint8_t>> EncodeKey(const RecordKey& key) {
  Writer w;
  if (const auto* k = std::get_if<OffsetCommitKey>(&key)) {
    w.WriteInt16(kOffsetCommitKeyV1);
    w.WriteString("group", k->group);
    w.WriteString("topic", k->topic);
    w.WriteInt32(k->partition.value());
    return Body(std::move(w), "offset commit key");
  }
  const auto& g = std::get<GroupMetadataKey>(key);
  w.WriteInt16(kGroupMetadataKeyVersion);
  w.WriteString("group", g.group);
  return Body(std::move(w), "group metadata key");
}

Result<RecordKey> DecodeKey(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  const int16_t version = r.ReadInt16("key version");
  if (!r.ok()) return Check(r, "record key", version);
  if (version == kOffsetCommitKeyV0 || version == kOffsetCommitKeyV1) {
    OffsetCommitKey k;
    k.group = r.ReadString("group");
    k.topic = r.ReadString("topic");
    k.partition = PartitionId(r.ReadInt32("partition"));
    KB_RETURN_IF_ERROR(Check(r, "offset commit key", version));
    return RecordKey(std::move(k));
  }
  if (version == kGroupMetadataKeyVersion) {
    GroupMetadataKey k;
    k.group = r.ReadString("group");
    KB_RETURN_IF_ERROR(Check(r, "group metadata key", version));
    return RecordKey(std::move(k));
  }
  return Status::Corruption(fmt::format(
      "record key: unknown key version {} (0-1 offset commit, 2 group metadata)", version));
}

Result<std::vector<uint8_t>> EncodeOffsetCommitValue(const OffsetCommitValue& v) {
  Writer w;
  if (v.expire_timestamp_ms.has_value()) {
    w.WriteInt16(kOffsetCommitValueV1);
    w.WriteInt64(v.offset.value());
    w.WriteString("metadata", v.metadata);
    w.WriteInt64(v.commit_timestamp_ms);
    w.WriteInt64(*v.expire_timestamp_ms);
  } else {
    w.WriteInt16(kOffsetCommitValueV3);
    w.WriteInt64(v.offset.value());
    w.WriteInt32(v.leader_epoch.value());
    w.WriteString("metadata", v.metadata);
    w.WriteInt64(v.commit_timestamp_ms);
  }
  return Body(std::move(w), "offset commit value");
}

Result<OffsetCommitValue> DecodeOffsetCommitValue(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  const int16_t version = r.ReadInt16("value version");
  if (r.ok() && (version < kOffsetCommitValueV0 || version > kOffsetCommitValueV3)) {
    return Status::Corruption(
        fmt::format("offset commit value: unknown version {} (0-3 known)", version));
  }
  OffsetCommitValue v;
  v.offset = Offset(r.ReadInt64("offset"));
  if (version >= kOffsetCommitValueV3) v.leader_epoch = LeaderEpoch(r.ReadInt32("leader_epoch"));
  v.metadata = r.ReadString("metadata");
  v.commit_timestamp_ms = r.ReadInt64("commit_timestamp");
  if (version == kOffsetCommitValueV1) v.expire_timestamp_ms = r.ReadInt64("expire_timestamp");
  KB_RETURN_IF_ERROR(Check(r, "offset commit value", version));
  return v;
}

Result<std::vector<uint8_t>> EncodeGroupMetadataValue(const GroupMetadataValue& v) {
  Writer w;
  w.WriteInt16(kGroupMetadataValueMaxVersion);
  w.WriteString("protocol_type", v.protocol_type);
  w.WriteInt32(v.generation);
  w.WriteNullableString("protocol", v.protocol);
  w.WriteNullableString("leader", v.leader);
  w.WriteInt64(v.current_state_timestamp_ms);
  w.WriteArray("members", v.members, [&w](const MemberMetadataValue& m) { WriteMember(w, m); });
  return Body(std::move(w), "group metadata value");
}

Result<GroupMetadataValue> DecodeGroupMetadataValue(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  const int16_t version = r.ReadInt16("value version");
  if (r.ok() && (version < 0 || version > kGroupMetadataValueMaxVersion)) {
    return Status::Corruption(
        fmt::format("group metadata value: unknown version {} (0-3 known)", version));
  }
  GroupMetadataValue v;
  v.protocol_type = r.ReadString("protocol_type");
  v.generation = r.ReadInt32("generation");
  v.protocol = r.ReadNullableString("protocol");
  v.leader = r.ReadNullableString("leader");
  if (version >= 2) v.current_state_timestamp_ms = r.ReadInt64("current_state_timestamp");
  r.ReadArray("members", kMinMemberSize, v.members,
              [&](MemberMetadataValue& m) { ReadMember(r, version, m); });
  KB_RETURN_IF_ERROR(Check(r, "group metadata value", version));
  return v;
}

}  // namespace kbench::broker::consumer_offsets
