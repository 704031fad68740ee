// libcurl handles for the layers that speak HTTP or SMTP through it (auth's OAuth2 client, mail's
// SMTP sender): the once-per-process global initialisation and owning pointers. Header only — a
// target that includes it links CURL::libcurl itself; `base` does not.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace basalt {

/// curl_global_init exactly once per process, thread-safe (C++11 static initialisation); the
/// result of that one call.
inline CURLcode CurlGlobalInit() {
    static const CURLcode kRc = curl_global_init(CURL_GLOBAL_DEFAULT);
    return kRc;
}

struct CurlEasyDeleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlSlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

/// An easy handle (curl_easy_init's result; null when it failed).
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
/// A header or recipient list built with curl_slist_append.
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

}  // namespace basalt
