/* The release of logsplit and logdump. `make deb` and `make rpm` read the package version from this line. */
#define LOGSPLIT_RELEASE "0.1.0"
