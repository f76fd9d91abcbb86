// What the route files share with the service (not part of its contract).
#pragma once

#include <map>
#include <string>

#include "api/auth.h"
#include "api/http.h"
#include "api/render.h"
#include "api/service.h"
#include "domain/settings.h"

namespace clientele::api {

struct Service::Context {
  const HttpRequest& req;
  Principal principal;
  std::map<std::string, std::string> params;  // from the route's {names}
  SettingsState settings;
  // For a write sent with an Idempotency-Key: the key its command's event ids
  // are derived from (CommandHandler's request_key); "" otherwise.
  std::string request_key;
  // The session id of the cookie that authenticated the request; "" for a
  // bearer token or none.
  std::string session_id;

  Visibility visibility() const {
    return {principal.Can(kManageLoyalty) && settings.modules.loyalty_points,
            principal.Can(kManageCredit) && settings.modules.customer_credits};
  }
};

// A 200 (or `status`) answer with a JSON body.
HttpResponse Json(const boost::json::value& v, int status = 200);

}  // namespace clientele::api
