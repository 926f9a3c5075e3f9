import ArgumentParser
import LogDump
import LogTail

#if canImport(Glibc)
import Glibc
#endif

/// `logdump tail`: the long-running forwarder (systemd), beside the `run` passes (cron).
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow the hour files and forward every line to a syslog receiver (RELP or RFC 5424 over TCP/TLS), live.",
        discussion: """
            Runs in the foreground (systemd: Config/systemd/logdump-tail.service). Reads the same [sources] as run, \
            plus [tail]:

              [tail]
              receiver = "relp://logs.example.org:2514"  # or relps:// tcp:// tls://
              ca_file = ""                # TLS: "" = the system store
              client_cert = ""            # mutual TLS: certificate and key,
              client_key = ""             #   both or neither
              facility = "local0"
              severity = "info"
              max_message_bytes = "64K"   # longer lines: numbered parts
              rescan_seconds = 10         # besides inotify
              gate_removal = true         # run removes only what tail streamed

            Every file is read from its checkpoint (<state_directory>/v1/tail/checkpoints.json) and the checkpoint \
            moves only over lines the receiver acknowledged: after a crash lines are sent again, never skipped. When \
            the receiver is down, reading pauses (the log files are the buffer) and reconnects back off from 1 s to 30 s; \
            one message when an outage starts and one when it ends.

            Signals: SIGTERM/SIGINT stop (acknowledgements in flight are awaited, checkpoints saved, exit 0); SIGHUP \
            reloads the configuration (an invalid one is reported and the running one kept; positions are never lost; \
            state_directory needs a restart). A change of the configuration file does the same, a second after it \
            settles: its directory is watched with inotify, so a file renamed into place or a symlink swapped \
            (ConfigMap) counts too; a content that did not change reloads nothing.

            Metrics: with [metrics] textfile = ".../logdump.prom", tail writes ".../logdump-tail.prom" beside it \
            (atomically, every 5 s and at shutdown): counters since it started (lines and bytes read, sent, resent, \
            acknowledged; lines split; reconnects; outages), whether the receiver is up, and per file followed the \
            lag in bytes and in seconds. The counters are also saved with the checkpoints: logdump status shows them, \
            with the lag per site, whether or not [metrics] is set.

            Exit codes: 0 stopped by SIGTERM/SIGINT; 1 usage or configuration error (also: no [tail] section); \
            3 another tail holds <state_directory>/tail.lock; 4 the state directory is unusable or the receiver refuses \
            the configuration (certificate, RELP offer, message size).
            """)
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try loadOrExit(options)
        let log = DumpLog.logger(verbose: true)
        TailControl.installSignalHandlers()
        let service: TailService
        do {
            service = try TailService(configuration: configuration, makeTransport: ReceiverTransports.make,
                                      control: TailControl.process, reload: { options.load() },
                                      configPath: options.config ?? ConfigFile.defaultPath, log: log)
        } catch {
            log.error("config: \(error)")
            throw ExitCode(DumpStatus.usage)
        }
        let status = service.run()
        if status != DumpStatus.ok { throw ExitCode(status) }
    }
}
