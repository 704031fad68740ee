// Manual throughput benchmark: serves a trivial JSON handler for wrk.
//   http_bench [port=8099] [workers=2] [access_log=0]
//   wrk -t1 -c64 -d10s http://127.0.0.1:8099/api/health
#include <cstdlib>
#include <string>

#include "basalt/base/log.hpp"
#include "basalt/http/server.hpp"

namespace {

namespace bh = basalt::http;

bh::net::awaitable<bh::Response> Health(bh::Request&) {
    co_return bh::Response::Json(200, R"({"message":"API is healthy.","code":200,"data":{}})");
}

}  // namespace

int main(int argc, char** argv) {
    basalt::log::Setup("info");
    bh::ServerOptions o;
    o.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8099);
    o.workers = argc > 2 ? std::atoi(argv[2]) : 2;
    o.access_log = argc > 3 && std::string(argv[3]) == "1";
    auto router = std::make_shared<bh::Router>();
    router->Add(boost::beast::http::verb::get, "/api/health", [](bh::Request& r) {
        return Health(r);
    });
    bh::Server server(o, router);
    server.Start();
    server.Run();
    return 0;
}
