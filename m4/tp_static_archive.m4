# TP_STATIC_ARCHIVE(VAR, PKG-CONFIG-MODULE, ARCHIVE, DEBIAN-PACKAGE)
#
# Sets and substitutes VAR to the absolute path of the static archive ARCHIVE
# (libcrypto.a, ...), which the preloaded libraries link with hidden symbols
# so they never load a shared library a job may carry in another version.
# Looks in the pkg-config module's libdir, then where the compiler finds it;
# VAR may be given on the configure line. Fails naming the package otherwise.
AC_DEFUN([TP_STATIC_ARCHIVE], [
  AC_ARG_VAR([$1], [path of $3, linked statically into the preloaded libraries])
  AC_MSG_CHECKING([for $3])
  AS_IF([test -z "$$1"], [
    tp_archive_dir=`$PKG_CONFIG --variable=libdir $2 2>/dev/null`
    AS_IF([test -n "$tp_archive_dir" && test -f "$tp_archive_dir/$3"],
      [$1="$tp_archive_dir/$3"],
      [tp_archive_path=`$CC -print-file-name=$3 2>/dev/null`
       AS_CASE([$tp_archive_path], [/*], [AS_IF([test -f "$tp_archive_path"], [$1=$tp_archive_path])])])
  ])
  AS_IF([test -n "$$1" && test -f "$$1"],
    [AC_MSG_RESULT([$$1])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([$3 not found; the preloaded libraries link it statically: apt-get install $4 (or set $1=/path/to/$3)])])
])
