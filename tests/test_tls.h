// A test certificate authority and a server certificate it signed, made with
// the openssl command line (scripts/setup.sh installs it) in a folder:
//   ca.pem, ca.key          the CA (CN clientele-test-ca)
//   server.pem, server.key  CN localhost, subjectAltName DNS:localhost, IP:127.0.0.1
//   other-ca.pem            a second CA that signed nothing here (a client
//                           trusting only it must refuse the server)
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace clientele::testing {

struct TestCertificates {
  std::string ca, server_cert, server_key, other_ca;
};

// Makes the files in `dir`; fails the test if openssl does.
inline TestCertificates MakeTestCertificates(const std::string& dir) {
  auto run = [&](const std::string& command) {
    const std::string line = "cd '" + dir + "' && " + command + " >openssl.log 2>&1";
    EXPECT_EQ(std::system(line.c_str()), 0) << line;
  };
  {
    std::ofstream ext(dir + "/server.ext");
    ext << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        << "extendedKeyUsage=serverAuth\n";
  }
  run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 "
      "-subj /CN=clientele-test-ca");
  run("openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem "
      "-days 3650 -subj /CN=clientele-other-ca");
  run("openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost");
  run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
      "-days 3650 -extfile server.ext");
  return {dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", dir + "/other-ca.pem"};
}

}  // namespace clientele::testing
