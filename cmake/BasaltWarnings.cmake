# Compiler warnings shared by every Basalt target (g++ 12).
function(basalt_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough -Wformat=2
    # At -O2 g++ 12 reports null dereferences inside Boost's inlined headers (false positives).
    $<$<NOT:$<CONFIG:Debug>>:-Wno-null-dereference>)
  if(BASALT_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
