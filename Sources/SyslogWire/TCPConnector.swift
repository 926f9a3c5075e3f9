#if canImport(Glibc)
import Glibc
#endif

/// Opens a TCP connection with a deadline: each address of the host in turn, non-blocking connect + poll.
/// The socket comes back non-blocking with TCP_NODELAY (messages leave at once, the latency a follower cares
/// about) and SO_KEEPALIVE (a silent peer behind a dead NAT or firewall is noticed).
enum TCPConnector {
    static func connect(_ endpoint: SyslogEndpoint, deadline: MonotonicDeadline) throws(ConnectionError) -> Int32 {
        guard (1...65_535).contains(endpoint.port) else {
            throw .misconfigured("receiver \(endpoint): port \(endpoint.port) is not a TCP port (1 to 65535)")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard resolved == 0, let first = list else {
            let reason = String(cString: gai_strerror(resolved))
            if resolved == EAI_NONAME {
                throw .misconfigured("receiver \(endpoint): unknown host (\(reason)): check the host name")
            }
            throw .broken("receiver \(endpoint): cannot resolve the host (\(reason)): check DNS")
        }
        defer { freeaddrinfo(list) }
        var failures: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            switch attempt(address.pointee, deadline: deadline) {
            case .success(let socket): return socket
            case .failure(let reason): failures.append(reason)
            }
            if deadline.hasPassed { break }
        }
        let reasons = failures.isEmpty ? "no address" : failures.joined(separator: "; ")
        throw .broken("cannot connect to \(endpoint): \(reasons): is the receiver running and listening there?")
    }

    private enum ConnectAttempt {
        case success(Int32)
        case failure(String)
    }

    private static func attempt(_ address: addrinfo, deadline: MonotonicDeadline) -> ConnectAttempt {
        let socket = Glibc.socket(address.ai_family, address.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                  address.ai_protocol)
        guard socket >= 0 else { return .failure("socket: \(String(cString: strerror(errno)))") }
        var result = Glibc.connect(socket, address.ai_addr, address.ai_addrlen)
        var code = result == 0 ? 0 : errno
        if code == EINPROGRESS || code == EINTR {
            var entry = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            repeat {
                result = poll(&entry, 1, deadline.remainingMilliseconds)
            } while result < 0 && errno == EINTR
            if result == 0 {
                Glibc.close(socket)
                return .failure("no answer within the connect timeout")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
            code = error
        }
        guard code == 0 else {
            Glibc.close(socket)
            return .failure(String(cString: strerror(code)))
        }
        var on: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
        var idle: Int32 = 60, interval: Int32 = 10, count: Int32 = 6
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, socklen_t(MemoryLayout<Int32>.size))
        return .success(socket)
    }
}
