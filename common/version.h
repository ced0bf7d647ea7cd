/* version.h: the toolkit's version, printed by every program's --version. */
#ifndef FP_VERSION_H
#define FP_VERSION_H

#define FALCO_PIPES_VERSION "0.1.0"

#endif
