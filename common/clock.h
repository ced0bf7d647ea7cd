/*
 * clock.h: the one monotonic clock every deadline, rate and timeout of
 * the toolkit is measured against, so a change of the date moves none.
 */
#ifndef FP_CLOCK_H
#define FP_CLOCK_H

/* seconds since an arbitrary fixed point, with nanosecond resolution */
double clock_now(void);
/* sleep for seconds (< 0 or 0: not at all); a signal may end it early */
void clock_sleep(double seconds);

#endif
