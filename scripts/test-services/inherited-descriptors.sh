# Sourced by the service scripts a test starts through system(3) (rsyslog.sh, seaweedfs.sh).
#
# system(3) hands the shell every descriptor of the test runner that is not close-on-exec: the pipes of
# whatever child another test is talking to at that moment. A daemon started from here would keep those open
# for the whole run, and the reader at the other end (a test waiting for a logdump's output, a logsplit
# waiting for the end of its input) would never see EOF: a CI run hung that way. So the script closes every
# descriptor above stderr before it starts anything. 255 is bash's own handle on the script it is reading.
close_inherited_descriptors() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
  done
}
