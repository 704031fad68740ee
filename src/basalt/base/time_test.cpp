#include "basalt/base/time.hpp"

#include <gtest/gtest.h>

namespace basalt {
namespace {

TEST(Time, RoundTripsCanonicalLayout) {
    auto t = ParseDateTime("2022-10-12 11:42:51.509Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(FormatDateTime(*t), "2022-10-12 11:42:51.509Z");
}

TEST(Time, AcceptsRfc3339AndDates) {
    EXPECT_EQ(FormatDateTime(*ParseDateTime("2022-10-12T11:42:51Z")), "2022-10-12 11:42:51.000Z");
    EXPECT_EQ(FormatDateTime(*ParseDateTime("2022-10-12T13:42:51.5+02:00")), "2022-10-12 11:42:51.500Z");
    EXPECT_EQ(FormatDateTime(*ParseDateTime("2022-10-12")), "2022-10-12 00:00:00.000Z");
    EXPECT_FALSE(ParseDateTime("2022-13-12"));
    EXPECT_FALSE(ParseDateTime("not a date"));
    EXPECT_FALSE(ParseDateTime("2022-02-30"));
}

}  // namespace
}  // namespace basalt
