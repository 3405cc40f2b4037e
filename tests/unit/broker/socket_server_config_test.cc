#include "core/broker/socket_server_config.h"

#include <gtest/gtest.h>

#include "core/broker/socket_server.h"
#include "tests/unit/broker/test_client.h"
#include "tests/unit/broker/test_handlers.h"

namespace kbench::broker {
namespace {

TEST(ListenerAddressTest, ParsesHostPortForms) {
  auto a = ListenerAddress::Parse("127.0.0.1:9092");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9092);
  auto any = ListenerAddress::Parse(":0");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 0);
  auto v6 = ListenerAddress::Parse("[::1]:19092");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:19092");
  EXPECT_EQ(ListenerAddress::Parse("localhost:65535")->ToString(), "localhost:65535");
}

TEST(ListenerAddressTest, RejectsMalformedListenersNamingThem) {
  for (const char* bad : {"localhost", "host:", "host:65536", "host:-1", "host:12ab", "::1:9092",
                          "[::1]9092", "[::1"}) {
    auto r = ListenerAddress::Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string_view::npos) << r.status().ToString();
  }
}

TEST(SocketServerConfigTest, ValidateNamesTheOffendingProperty) {
  SocketServerConfig c;
  EXPECT_TRUE(c.Validate().ok());
  c.max_request_bytes = 4;
  EXPECT_NE(c.Validate().message().find("socket.request.max.bytes"), std::string_view::npos);
  c = {};
  c.idle_timeout_ms = 0;
  EXPECT_NE(c.Validate().message().find("connections.max.idle.ms"), std::string_view::npos);
  c = {};
  c.network_threads = -1;
  EXPECT_NE(c.Validate().message().find("num.network.threads"), std::string_view::npos);
  c = {};
  c.max_connections = 0;
  EXPECT_NE(c.Validate().message().find("max.connections"), std::string_view::npos);
}

TEST(SocketServerConfigTest, PortZeroBindsAFreePortThatClientsReach) {
  testing::EchoHandler echo;
  SocketServerConfig c;
  c.listener = *ListenerAddress::Parse("127.0.0.1:0");
  SocketServer server(c, &echo);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.bound_address().ToString(), "127.0.0.1:" + std::to_string(server.port()));
  auto client = testing::TestClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->SendRequest(18, 0, 3).ok());
  EXPECT_TRUE(client->ReadFrame().ok());
}

TEST(SocketServerConfigTest, AnEmptyHostListensEverywhereAndReportsTheBoundAddress) {
  testing::EchoHandler echo;
  SocketServerConfig c;
  c.listener = *ListenerAddress::Parse(":0");
  SocketServer server(c, &echo);
  ASSERT_TRUE(server.Start().ok());
  const std::string host = server.bound_address().host;
  EXPECT_TRUE(host == "0.0.0.0" || host == "::") << host;
  auto client = testing::TestClient::Connect(server.port());  // reachable on 127.0.0.1
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->SendRequest(18, 0, 3).ok());
  EXPECT_TRUE(client->ReadFrame().ok());
}

TEST(SocketServerConfigTest, ABusyPortFailsStartWithTheListenerInTheMessage) {
  testing::EchoHandler echo;
  SocketServerConfig c;
  SocketServer first(c, &echo);
  ASSERT_TRUE(first.Start().ok());
  c.listener.port = first.port();
  SocketServer second(c, &echo);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("listener 127.0.0.1:" + std::to_string(first.port()) + ": bind"),
            std::string_view::npos)
      << s.ToString();
  second.Stop();  // safe after a failed Start
}

TEST(SocketServerConfigTest, NetworkThreadsZeroMeansOnePerCore) {
  testing::EchoHandler echo;
  SocketServerConfig c;
  c.network_threads = 0;
  SocketServer server(c, &echo);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_GE(server.network_threads(), 1);
  auto client = testing::TestClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->SendRequest(18, 0, 3).ok());
  EXPECT_TRUE(client->ReadFrame().ok());
}

}  // namespace
}  // namespace kbench::broker
