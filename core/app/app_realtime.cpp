// The App side of realtime: the BrokerHost the realtime broker reaches the App through
// (onRealtimeMessageSend, the log), and the plain custom-topic broadcast used by plugins.
#include "app/app.hpp"
#include "realtime/broker.hpp"

namespace pb {

namespace {

class AppBrokerHost final : public realtime::BrokerHost {
public:
    explicit AppBrokerHost(App& app) : app_(app) {}
    void aroundMessage(const realtime::ClientPtr& client, std::string name, std::string data, const Write& write) override {
        RealtimeMessageEvent e;
        e.app = &app_;
        e.client = client;
        e.name = std::move(name);
        e.data = std::move(data);
        app_.hooks().onRealtimeMessageSend.trigger(e, [&](RealtimeMessageEvent& ev) { write(ev.client, ev.name, ev.data); });
    }
    void logError(const std::string& msg) override { app_.logError(msg); }

private:
    App& app_;
};

}  // namespace

std::unique_ptr<realtime::BrokerHost> App::makeBrokerHost() { return std::make_unique<AppBrokerHost>(*this); }

size_t App::sendRealtimeMessage(std::string_view topic, std::string_view jsonData) {
    if (!hasRealtime()) return 0;
    auto parsed = json::parse(jsonData);
    if (!parsed) return 0;
    return realtime().send(topic, *parsed);
}

}  // namespace pb
