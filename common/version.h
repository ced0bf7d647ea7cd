/*
 * version.h: the toolkit's version, printed by every program's --version.
 * The Makefile passes FALCO_PIPES_VERSION with -D, taken from the nearest
 * git tag vX.Y.Z; the number below is used when there is no tag, and
 * "make dist" writes the tag's number here in the tarball, which has no
 * git history to ask.
 */
#ifndef FP_VERSION_H
#define FP_VERSION_H

#ifndef FALCO_PIPES_VERSION
#define FALCO_PIPES_VERSION "0.1.0"
#endif

#endif
