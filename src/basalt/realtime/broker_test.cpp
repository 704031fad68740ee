// Unit tests of the realtime broker: subscription sets, topic matching, bounded queues.
#include "basalt/realtime/broker.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "basalt/base/testing/run_co.hpp"
#include "basalt/realtime/event_bus.hpp"

namespace basalt::realtime {
namespace {

using testing::RunCo;

Message Msg(std::string event, std::string data = "{}") {
    return Message{std::move(event), std::make_shared<const std::string>(std::move(data))};
}

std::set<std::string> Subs(const std::vector<Delivery>& ds, const std::shared_ptr<Client>& c) {
    std::set<std::string> out;
    for (const auto& d : ds) {
        if (d.client == c) {
            out.insert(d.subscription);
        }
    }
    return out;
}

TEST(TopicBase, StripsOptions) {
    EXPECT_EQ(TopicBase("posts/*"), "posts/*");
    EXPECT_EQ(TopicBase("posts/abc?options=%7B%7D"), "posts/abc");
    EXPECT_EQ(TopicBase(""), "");
}

TEST(Broker, ConnectGivesDistinct40CharIds) {
    boost::asio::io_context ioc;
    Broker b;
    auto c1 = b.Connect(ioc.get_executor(), "1.2.3.4");
    auto c2 = b.Connect(ioc.get_executor(), "1.2.3.4");
    EXPECT_EQ(c1->id().size(), 40u);
    EXPECT_NE(c1->id(), c2->id());
    EXPECT_EQ(b.Find(c1->id()), c1);
    EXPECT_EQ(b.Find("nope"), nullptr);
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(c1->remote_ip(), "1.2.3.4");
}

TEST(Broker, SubscriptionsReplaceTheWholeSet) {
    boost::asio::io_context ioc;
    Broker b;
    auto c = b.Connect(ioc.get_executor(), "");
    ASSERT_TRUE(b.SetSubscriptions(c, {"posts/*", "posts/r1", "posts/*?options=%7B%7D"}));
    auto d = b.Match({"posts/*", "posts/r1"});
    EXPECT_EQ(Subs(d, c), (std::set<std::string>{"posts/*", "posts/r1", "posts/*?options=%7B%7D"}));

    ASSERT_TRUE(b.SetSubscriptions(c, {"posts/r2"}));
    EXPECT_TRUE(b.Match({"posts/*", "posts/r1"}).empty());
    EXPECT_EQ(Subs(b.Match({"posts/r2"}), c), (std::set<std::string>{"posts/r2"}));
    EXPECT_EQ(c->Subscriptions(), (std::vector<std::string>{"posts/r2"}));

    ASSERT_TRUE(b.SetSubscriptions(c, {}));
    EXPECT_TRUE(b.Match({"posts/r2"}).empty());
}

TEST(Broker, MatchIsExactAndPerClient) {
    boost::asio::io_context ioc;
    Broker b;
    auto a = b.Connect(ioc.get_executor(), "");
    auto z = b.Connect(ioc.get_executor(), "");
    ASSERT_TRUE(b.SetSubscriptions(a, {"posts/*"}));
    ASSERT_TRUE(b.SetSubscriptions(z, {"posts/r1", "posts", "other/*"}));
    auto d = b.Match({"posts/*", "posts/r1", "posts"});
    EXPECT_EQ(Subs(d, a), (std::set<std::string>{"posts/*"}));
    EXPECT_EQ(Subs(d, z), (std::set<std::string>{"posts/r1", "posts"}));
    EXPECT_EQ(d.size(), 3u);
    EXPECT_TRUE(b.Match({"Posts/*", "posts/r", "posts/r1x"}).empty());
    // the same base twice yields each subscription once
    EXPECT_EQ(b.Match({"posts/*", "posts/*"}).size(), 1u);
}

TEST(Broker, UnsubscribeRemovesOneExactSubscriptionOnce) {
    boost::asio::io_context ioc;
    Broker b;
    auto c = b.Connect(ioc.get_executor(), "");
    ASSERT_TRUE(b.SetSubscriptions(c, {"posts/*", "@oauth2", "@oauth2?options=%7B%7D"}));
    EXPECT_FALSE(b.Unsubscribe(c, "@oauth"));
    EXPECT_TRUE(b.Unsubscribe(c, "@oauth2"));
    EXPECT_FALSE(b.Unsubscribe(c, "@oauth2"));  // consumed once
    EXPECT_EQ(c->Subscriptions(), (std::vector<std::string>{"posts/*", "@oauth2?options=%7B%7D"}));
    // The index keeps the other subscriptions of the same base and of other bases.
    EXPECT_EQ(Subs(b.Match({"@oauth2"}), c), (std::set<std::string>{"@oauth2?options=%7B%7D"}));
    EXPECT_EQ(Subs(b.Match({"posts/*"}), c), (std::set<std::string>{"posts/*"}));
    EXPECT_TRUE(b.Unsubscribe(c, "@oauth2?options=%7B%7D"));
    EXPECT_TRUE(b.Match({"@oauth2"}).empty());

    // Gone clients have nothing to unsubscribe.
    ASSERT_TRUE(b.SetSubscriptions(c, {"@oauth2"}));
    b.Disconnect(c->id());
    EXPECT_FALSE(b.Unsubscribe(c, "@oauth2"));
}

TEST(Broker, ConcurrentUnsubscribeHasOneWinner) {
    boost::asio::io_context ioc;
    Broker b;
    for (int round = 0; round < 50; ++round) {
        auto c = b.Connect(ioc.get_executor(), "");
        ASSERT_TRUE(b.SetSubscriptions(c, {"@oauth2"}));
        std::atomic<int> winners{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                if (b.Unsubscribe(c, "@oauth2")) {
                    ++winners;
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        EXPECT_EQ(winners.load(), 1);
        b.Disconnect(c->id());
    }
}

TEST(Broker, DisconnectForgetsClientAndSubscriptions) {
    boost::asio::io_context ioc;
    Broker b;
    auto c = b.Connect(ioc.get_executor(), "");
    ASSERT_TRUE(b.SetSubscriptions(c, {"posts/*"}));
    b.Disconnect(c->id());
    EXPECT_TRUE(c->closed());
    EXPECT_FALSE(c->dropped());
    EXPECT_EQ(b.Find(c->id()), nullptr);
    EXPECT_TRUE(b.Match({"posts/*"}).empty());
    EXPECT_FALSE(b.SetSubscriptions(c, {"posts/*"}));
    EXPECT_TRUE(b.Match({"posts/*"}).empty());
    EXPECT_FALSE(c->Send(Msg("x")));
    EXPECT_EQ(b.size(), 0u);
}

net::awaitable<std::vector<std::string>> Drain(std::shared_ptr<Client> c) {
    std::vector<std::string> got;
    while (auto m = co_await c->Next()) {
        got.push_back(m->event + "=" + *m->data);
    }
    co_return got;
}

TEST(Client, DeliversInOrderUntilClosed) {
    boost::asio::io_context ioc;
    Broker b;
    auto c = b.Connect(ioc.get_executor(), "");
    EXPECT_TRUE(c->Send(Msg("a", "1")));
    EXPECT_TRUE(c->Send(Msg("b", "2")));
    std::vector<std::string> got;
    auto reader = [](std::shared_ptr<Client> cl,
                     std::vector<std::string>* out) -> net::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            auto m = co_await cl->Next();
            if (!m) {
                out->push_back("closed");
                co_return;
            }
            out->push_back(m->event + "=" + *m->data);
        }
    };
    boost::asio::co_spawn(ioc, reader(c, &got), boost::asio::detached);
    ioc.poll();
    EXPECT_EQ(got, (std::vector<std::string>{"a=1", "b=2"}));
    // a pending Next() completes with nullopt when the client is closed
    b.Disconnect(c->id());
    ioc.restart();
    ioc.run();
    EXPECT_EQ(got, (std::vector<std::string>{"a=1", "b=2", "closed"}));
}

TEST(Client, OverflowDropsTheClientWithoutBlocking) {
    boost::asio::io_context ioc;
    Broker b(BrokerOptions{.queue_capacity = 4});
    auto slow = b.Connect(ioc.get_executor(), "");
    auto fast = b.Connect(ioc.get_executor(), "");
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(slow->Send(Msg("e", std::to_string(i))));
    }
    EXPECT_FALSE(slow->Send(Msg("e", "overflow")));
    EXPECT_TRUE(slow->dropped());
    EXPECT_TRUE(slow->closed());
    EXPECT_FALSE(slow->Send(Msg("e", "after")));
    // the other client is unaffected
    EXPECT_TRUE(fast->Send(Msg("e", "ok")));
    EXPECT_FALSE(fast->closed());
    // a dropped client's reader sees the end of the stream
    EXPECT_TRUE(RunCo(Drain(slow)).empty());
}

TEST(Client, SendingRefreshesTheIdleClock) {
    boost::asio::io_context ioc;
    Broker b;
    auto c = b.Connect(ioc.get_executor(), "");
    const auto connected = c->last_activity();
    EXPECT_LE(connected, std::chrono::steady_clock::now());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(c->Send(Msg("e")));
    EXPECT_GT(c->last_activity(), connected);
}

TEST(Broker, ConcurrentSubscribeMatchSendAndDisconnect) {
    boost::asio::io_context ioc;
    Broker b(BrokerOptions{.queue_capacity = 1 << 16});
    std::vector<std::shared_ptr<Client>> clients;
    for (int i = 0; i < 64; ++i) {
        clients.push_back(b.Connect(ioc.get_executor(), ""));
        ASSERT_TRUE(b.SetSubscriptions(clients.back(), {"t/*"}));
    }
    std::atomic<bool> stop{false};
    std::atomic<long> sent{0};
    constexpr long kMaxSent = 200000;  // well below 64 queues of 65536: nobody overflows
    std::thread publisher([&] {
        while (!stop && sent < kMaxSent) {
            for (auto& d : b.Match({"t/*", "t/x"})) {
                if (d.client->Send(Msg(d.subscription))) {
                    ++sent;
                }
            }
        }
    });
    std::thread subscriber([&] {
        for (int round = 0; round < 2000; ++round) {
            auto& c = clients[static_cast<std::size_t>(round) % clients.size()];
            b.SetSubscriptions(c,
                               round % 2 ? std::vector<std::string>{"t/*"}
                                         : std::vector<std::string>{"t/x", "u/*"});
        }
    });
    subscriber.join();
    for (std::size_t i = 0; i < clients.size(); i += 2) {
        b.Disconnect(clients[i]->id());
    }
    // let the publisher run against the final state for a while
    const long after = sent.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sent.load() < std::min(after + 1000, kMaxSent) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    stop = true;
    publisher.join();
    EXPECT_GT(sent.load(), 0);
    EXPECT_TRUE(sent.load() > after || after >= kMaxSent) << "no sends after the final state";
    EXPECT_EQ(b.size(), clients.size() / 2);
    for (std::size_t i = 0; i < clients.size(); ++i) {
        EXPECT_EQ(clients[i]->closed(), i % 2 == 0) << i;  // disconnected, never dropped
        EXPECT_FALSE(clients[i]->dropped()) << i;
    }
    for (const auto& d : b.Match({"t/*", "t/x", "u/*"})) {
        EXPECT_FALSE(d.client->closed());
    }
}

TEST(LocalEventBus, DeliversToEveryHandlerInOrder) {
    LocalEventBus bus;
    std::vector<std::string> a;
    std::vector<std::string> z;
    bus.Subscribe([&](const std::vector<EventPtr>& es) {
        for (const auto& e : es) {
            a.push_back(e->action);
        }
    });
    bus.Subscribe([&](const std::vector<EventPtr>& es) { z.push_back(std::to_string(es.size())); });
    auto ev = [](std::string action) {
        auto e = std::make_shared<RecordEvent>();
        e->action = std::move(action);
        return EventPtr(e);
    };
    bus.Publish({ev("create"), ev("update")});
    bus.Publish({ev("delete")});
    EXPECT_EQ(a, (std::vector<std::string>{"create", "update", "delete"}));
    EXPECT_EQ(z, (std::vector<std::string>{"2", "1"}));
}

}  // namespace
}  // namespace basalt::realtime
