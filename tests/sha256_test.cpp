// sha256_test.cpp — the domain library's own SHA-256 (scoring/sha256.h) against FIPS 180-4's
// published examples and against libsodium, a second implementation, on every length around the
// block and padding boundaries.
#include "scoring/sha256.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <string>

namespace {

std::string sodium_hex(const std::string& bytes) {
  REQUIRE(sodium_init() >= 0);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-4 examples") {
  CHECK(assess::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(assess::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(assess::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 agrees with libsodium on every length from 0 to 300 bytes") {
  std::string bytes;
  for (int n = 0; n <= 300; ++n) {
    CAPTURE(n);
    CHECK(assess::sha256_hex(bytes) == sodium_hex(bytes));
    bytes += static_cast<char>((n * 131 + 7) & 0xff);
  }
}
