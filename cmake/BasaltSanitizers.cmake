# ASan + UBSan for the `asan` preset: applied globally so every library and test is instrumented.
if(BASALT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
