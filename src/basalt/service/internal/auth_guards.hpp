// Guards shared by the auth routes.
#pragma once

#include <memory>
#include <string>

#include "basalt/base/result.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/service/context.hpp"

namespace basalt::service::internal {

/// PocketBase's RequireSameCollectionContextAuth: a guest → 401; an auth record of another
/// collection than `collection` (or no such collection) → 403. The collection otherwise.
inline Result<std::shared_ptr<const schema::Collection>> SameCollectionAuth(const schema::Schema& s,
                                                                            const RequestCtx& ctx,
                                                                            const std::string& collection) {
    if (ctx.auth.IsGuest()) {
        return Unauthenticated("The request requires valid record authorization token.");
    }
    auto c = s.Find(collection);
    if (!c || c->id != ctx.auth.record->collection->id) {
        return PermissionDenied("The request requires auth record from " + (c ? c->name : collection) +
                                " collection.");
    }
    return c;
}

}  // namespace basalt::service::internal
