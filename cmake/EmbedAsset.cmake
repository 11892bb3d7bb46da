# smtpwb_embed_text(<target> <symbol> <file>): compiles <file> into <target> as
# `extern const std::string_view smtpwb::assets::<symbol>`, so installed binaries need no data path.
set(SMTPWB_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")
function(smtpwb_embed_text target symbol input)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded/${symbol}.cpp")
  add_custom_command(OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out} -DSYMBOL=${symbol} -P "${SMTPWB_CMAKE_DIR}/embed_text.cmake"
    DEPENDS "${input}" "${SMTPWB_CMAKE_DIR}/embed_text.cmake"
    COMMENT "Embedding ${input}")
  target_sources(${target} PRIVATE "${out}")
endfunction()
