#pragma once
// RequestInfo (what @request.* sees) and CollectionFinder live with the field resolver.
#include "records/field_resolver.hpp"
