/* cc_cache.h - the objects built by `--jit cc`, kept between runs.
 *
 * The system compiler takes 40 ms to seconds per model, and a parameter
 * sweep runs the same model again and again: the generated text does not
 * depend on parameter or initial values, so neither does the object.  Each
 * object is kept under a name made from a hash of its key (the compiler
 * command and the generated text), with the key itself appended to the
 * file, which a lookup compares byte for byte: a collision of hashes costs
 * a compile, never the wrong code.
 *
 * The directory is $ODESOLVE_CACHE_DIR, else $XDG_CACHE_HOME/odesolve,
 * else $HOME/.cache/odesolve; ODESOLVE_CACHE_DIR set to the empty string
 * turns the cache off.  A loaded object is code, so the directory and its
 * files are used only when they belong to this user and nobody else may
 * write to them (the directory is made with mode 0700).  Nothing here is
 * ever an error: without a cache, the model is compiled. */
#ifndef ODESOLVE_CC_CACHE_H
#define ODESOLVE_CC_CACHE_H

#include <stddef.h>

/* A read-only descriptor (close-on-exec) of the object kept for the key
   key[0..len), or -1 when there is none, the cache is off or not to be
   trusted. */
int cc_cache_find(const char *key, size_t len);

/* Keeps a copy of the object file obj_path for the key.  An entry
   appears whole or not at all (written aside, then renamed), so runs in
   parallel see either nothing or a complete entry. */
void cc_cache_store(const char *key, size_t len, const char *obj_path);

#endif
