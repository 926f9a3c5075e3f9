import LogDestinations

/// A test's destination that wraps another and changes one thing (a slow probe, a refused put, a damaged copy):
/// whatever it does not implement itself goes to `inner` as it is.
public protocol ForwardingDestination: Destination {
    var inner: any Destination { get }
}

extension ForwardingDestination {
    public var description: String { inner.description }

    public func checkAvailable() throws(DestinationError) { try inner.checkAvailable() }

    public func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError) {
        try inner.put(object, key: key, replace: replace)
    }

    public func verify(key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy {
        try inner.verify(key: key, expected: expected)
    }
}
