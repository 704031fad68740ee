#include "basalt/api/error_mapping.hpp"

#include <gtest/gtest.h>

namespace basalt::api {
namespace {

TEST(ErrorMapping, EnvelopeShapeAndSentenize) {
    auto r = ErrorResponse(InvalidArgument("failed to create record", {{"title", FieldError("validation_required", "Cannot be blank.")}}));
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body,
              "{\"data\":{\"title\":{\"code\":\"validation_required\",\"message\":\"Cannot be blank.\"}},"
              "\"message\":\"Failed to create record.\",\"status\":400}\n");
}

TEST(ErrorMapping, InternalErrorsAreGeneric) {
    auto r = ErrorResponse(Internal("sqlite: no such table x"));
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(r.body.find("sqlite"), std::string::npos);
}

TEST(ErrorMapping, StatusDefaults) {
    EXPECT_EQ(StatusResponse(404).body,
              "{\"data\":{},\"message\":\"The requested resource wasn't found.\",\"status\":404}\n");
    EXPECT_EQ(HttpStatus(ErrorCode::kPermissionDenied), 403u);
    EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413u);
}

}  // namespace
}  // namespace basalt::api
