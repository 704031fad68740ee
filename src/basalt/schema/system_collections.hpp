// The collections a brand-new data dir starts with (PocketBase's init migration, v0.39).
#pragma once

#include <string_view>
#include <vector>

#include "basalt/schema/collection.hpp"

namespace basalt::schema {

inline constexpr std::string_view kSuperusersCollectionId = "pbc_3142635823";
inline constexpr std::string_view kSuperusersCollectionName = "_superusers";
inline constexpr std::string_view kExternalAuthsCollectionName = "_externalAuths";
inline constexpr std::string_view kMfasCollectionName = "_mfas";
inline constexpr std::string_view kOtpsCollectionName = "_otps";
inline constexpr std::string_view kAuthOriginsCollectionName = "_authOrigins";
inline constexpr std::string_view kUsersCollectionId = "_pb_users_auth_";

/// In creation order: _mfas, _otps, _externalAuths, _authOrigins, _superusers, users. Auth
/// collections get fresh random token secrets; `created`/`updated` are left empty for the caller.
std::vector<Collection> SystemCollections();

}  // namespace basalt::schema
