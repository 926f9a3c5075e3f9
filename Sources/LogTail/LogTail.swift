/// `logdump tail`: discovery of the hour files with inotify, followers, checkpoints on acknowledgement.
/// (Being built; see issue 10.)
enum LogTailModule {}
