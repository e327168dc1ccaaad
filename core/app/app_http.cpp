// Request entry point: builds the RequestEvent, dispatches through the router and turns errors
// into PocketBase's envelope. Internal details go to the log only.
#include "app/app.hpp"
#include "db/database.hpp"

namespace pb {

static void writeError(RequestEvent& e, const ApiError& err) {
    e.response.headers.erase(std::remove_if(e.response.headers.begin(), e.response.headers.end(),
                                            [](auto& h) { return h.first == "Content-Length"; }),
                             e.response.headers.end());
    e.router::RequestEventBase::json(err.status(), err.toJson());
}

void App::handle(http::Request& req, http::Response& res) {
    RequestEvent e(*this, req, res);
    try {
        router_.dispatch(e, [](RequestEvent&) { throw notFound(); });
        if (!e.written && !res.onStream) throw notFound();
    } catch (const ApiError& err) {
        writeError(e, err);
    } catch (const db::DbError& err) {
        logError(std::string("db: ") + err.what() + " [" + req.method + " " + req.path + "]");
        writeError(e, ApiError(400, ""));
    } catch (const std::exception& err) {
        logError(std::string("handler: ") + err.what() + " [" + req.method + " " + req.path + "]");
        writeError(e, ApiError(500, ""));
    } catch (...) {
        logError("handler: unknown exception [" + req.method + " " + req.path + "]");
        writeError(e, ApiError(500, ""));
    }
    if (req.method == "HEAD") res.headOnly = true;
}

}  // namespace pb
