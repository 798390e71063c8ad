// bounds.h — reads the {"gt"|"ge", "lt"|"le"} bounds that band options and reward rate bands share.
#pragma once

#include "reader.h"
#include "scoring/questionnaire.h"

namespace assess::detail {

// `what` names the object in messages ("range", "band"). Does not check that a bound exists.
inline Range read_bounds(const Reader& r, const std::string& what) {
  Range out;
  if (r.find("gt") && r.find("ge")) r.fail("a " + what + " takes \"gt\" or \"ge\", not both");
  if (r.find("lt") && r.find("le")) r.fail("a " + what + " takes \"lt\" or \"le\", not both");
  if (auto v = r.find("gt")) out.lower = v->number();
  if (auto v = r.find("ge")) {
    out.lower = v->number();
    out.lower_inclusive = true;
  }
  if (auto v = r.find("lt")) out.upper = v->number();
  if (auto v = r.find("le")) {
    out.upper = v->number();
    out.upper_inclusive = true;
  }
  return out;
}

}  // namespace assess::detail
