// The console's static files over real loopback HTTP: GET / and
// GET /console/{file}, with no token, their content types and security
// headers, and nothing but the compiled-in files (no path leads to the disk).
#include <set>

#include "api/console_files.h"
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

void ExpectConsoleHeaders(const Reply& r) {
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  const std::string csp = r.header("content-security-policy");
  EXPECT_TRUE(csp.starts_with("default-src 'self'")) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
}

TEST_F(ApiTest, TheRootServesTheConsolePageWithoutAToken) {
  Reply page = Call("GET", "/", "", "");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(page.body.starts_with("<!doctype html>")) << page.body.substr(0, 40);
  EXPECT_NE(page.body.find(R"(<script type="module" src="/console/app.js">)"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_EQ(page.body.find("style="), std::string::npos) << "no inline style";
  ExpectConsoleHeaders(page);
  // The same page by its name.
  EXPECT_EQ(Call("GET", "/console/index.html", "", "").body, page.body);
}

TEST_F(ApiTest, EachConsoleFileIsServedWithItsContentType) {
  std::set<std::string> names;
  for (const api::ConsoleFile& f : api::ConsoleFiles()) names.insert(std::string(f.name));
  for (const char* name : {"index.html", "app.js", "styles.css", "chart.min.js"}) {
    EXPECT_TRUE(names.contains(name)) << name;
  }
  const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
  };
  for (const api::ConsoleFile& f : api::ConsoleFiles()) {
    const std::string name(f.name);
    SCOPED_TRACE(name);
    Reply r = Call("GET", "/console/" + name, "", "");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), types.at(name.substr(name.rfind('.'))));
    EXPECT_EQ(r.body, f.body) << "the file as it is in console/";
    EXPECT_FALSE(r.body.empty());
    ExpectConsoleHeaders(r);
  }
  // The page preloads every module, so that none waits for the one importing it
  // (Chart.js, a classic script, is loaded by the Reports screen when it draws).
  const std::string page(api::FindConsoleFile("index.html")->body);
  for (const std::string& name : names) {
    if (!name.ends_with(".js") || name == "app.js" || name == "chart.min.js") continue;
    EXPECT_NE(page.find(R"(<link rel="modulepreload" href="/console/)" + name + "\">"),
              std::string::npos)
        << name << " is not preloaded by index.html";
  }
  // A token changes nothing (and is not needed).
  EXPECT_EQ(Call("GET", "/console/app.js", "", "admin").status, 200);
  EXPECT_EQ(Call("GET", "/console/app.js", "", "not-a-token").status, 200);
}

TEST_F(ApiTest, OnlyTheConsolesOwnFilesAreServed) {
  for (const char* target :
       {"/console/nothing.js", "/console/..", "/console/%2e%2e", "/console/APP.JS",
        "/console/app.js.map", "/console/.%2Fapp.js", "/console/..%2FREADME.md",
        "/console/..%2F..%2Fetc%2Fpasswd", "/console/%2Fetc%2Fpasswd", "/console/app.js%00"}) {
    SCOPED_TRACE(target);
    Reply r = Call("GET", target, "", "");
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_TRUE(r.reason() == "no_such_file" || r.reason() == "no_such_route") << r.reason();
  }
  for (const char* target :
       {"/console/../README.md", "/console/../api/auth.h", "/console/", "/console/a/app.js"}) {
    SCOPED_TRACE(target);
    Reply r = Call("GET", target, "", "");
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.reason(), "no_such_route");
  }
  // Read-only: the files cannot be written.
  Reply put = Call("PUT", "/console/app.js", "{}", "admin");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.header("allow"), "GET, HEAD");
  EXPECT_EQ(Call("POST", "/", "{}", "admin").status, 405);
}

}  // namespace
}  // namespace clientele::testing
