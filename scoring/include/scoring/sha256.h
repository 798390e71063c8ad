// sha256.h — SHA-256 (FIPS 180-4) of a byte string, as lowercase hex.
//
// The domain library names questionnaire versions by the hash of their canonical JSON
// (questionnaire.h, content_hash). A forty-line hash here keeps the core free of a crypto library;
// the application still uses libsodium for passwords and evidence files, and the unit tests check
// this function against libsodium and the standard's test vectors.
#pragma once

#include <string>
#include <string_view>

namespace assess {

[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace assess
