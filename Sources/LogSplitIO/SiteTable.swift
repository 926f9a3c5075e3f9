#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// Maps the untrusted first field of a line to a site, without allocating on the hot path.
///
/// Each raw spelling seen (`www`, `WWW`, `bad/name`) is remembered with the site it resolved to, so a
/// known field costs one hash and one `memcmp`; only a new spelling is sanitised (`SiteName`). Index 0
/// is the fallback site: bad names and every site beyond `maxSites` go there. Both tables are bounded:
/// at most `maxSites` sites, and a fixed number of remembered spellings (hostile input with endless new
/// spellings is then simply sanitised each time, never stored).
final class SiteTable {
    struct Slot {
        var hash: UInt64 = 0
        var offset: Int32 = 0
        var length: Int32 = 0
        var site: Int32 = -1
    }

    /// Sanitised names by index; index 0 is the fallback site.
    private(set) var names: [String]
    private var indexByName: [String: Int32] = [:]
    let maxSites: Int

    // Both tables start small and double on demand up to their bounds: an idle logger, or one that sees a
    // few sites, keeps a few KiB here instead of the 192 KiB of slots `--max-sites 1024` allows.
    private var slots: UnsafeMutableBufferPointer<Slot>
    private var mask: Int
    private var arena: UnsafeMutableRawBufferPointer
    private var arenaUsed = 0
    private var entries = 0
    private let maxEntries: Int
    private let maxSlotCount: Int
    private let maxArenaBytes: Int
    private let scratch: UnsafeMutableRawBufferPointer

    static let initialSlots = 64
    static let initialArenaBytes = 2048

    init(fallback: String, maxSites: Int) {
        self.maxSites = maxSites
        names = [fallback]
        indexByName[fallback] = 0
        // logsplit bounds --max-sites at 100000; an embedder's larger value is clamped so sizing cannot trap
        // (and arena offsets stay within Int32).
        maxEntries = 2 * min(max(maxSites, 1), 1 << 20) + 64
        var slotCount = 64
        while slotCount < maxEntries * 2 { slotCount <<= 1 }
        maxSlotCount = slotCount
        maxArenaBytes = maxEntries * (SiteName.defaultMaxLength + 1)
        slots = .allocate(capacity: Self.initialSlots)
        slots.initialize(repeating: Slot())
        mask = Self.initialSlots - 1
        arena = .allocate(byteCount: min(Self.initialArenaBytes, maxArenaBytes), alignment: 8)
        scratch = .allocate(byteCount: SiteName.defaultMaxLength, alignment: 8)
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
        scratch.deallocate()
    }

    var count: Int { names.count }

    /// The site of a raw field (the bytes before the first space); 0 for the fallback.
    @inline(__always)
    func site(of field: UnsafeRawBufferPointer) -> Int {
        guard field.count <= SiteName.defaultMaxLength else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in field { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry.site < 0 { break }
            if entry.hash == hash, Int(entry.length) == field.count,
                field.count == 0 || memcmp(arena.baseAddress! + Int(entry.offset), field.baseAddress!, field.count) == 0
            {
                return Int(entry.site)
            }
            slot = (slot + 1) & mask
        }
        let site = resolve(field)
        if entries < maxEntries {
            // At most half the slots are used, so every probe sequence ends at an empty slot.
            if (entries + 1) * 2 > slots.count && slots.count < maxSlotCount {
                growSlots()
                slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot].site >= 0 { slot = (slot + 1) & mask }
            }
            if arenaUsed + field.count > arena.count { growArena(toHold: arenaUsed + field.count) }
            (arena.baseAddress! + arenaUsed).copyMemory(from: field.baseAddress!, byteCount: field.count)
            slots[slot] = Slot(hash: hash, offset: Int32(arenaUsed), length: Int32(field.count), site: Int32(site))
            arenaUsed += field.count
            entries += 1
        }
        return site
    }

    /// Doubles the slot table (up to `maxSlotCount`) and places every remembered spelling again.
    private func growSlots() {
        let old = slots
        let count = min(old.count * 2, maxSlotCount)
        slots = .allocate(capacity: count)
        slots.initialize(repeating: Slot())
        mask = count - 1
        for entry in old where entry.site >= 0 {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot].site >= 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
        old.deallocate()
    }

    /// Doubles the spelling arena until it holds `needed` bytes (entries keep their offsets).
    private func growArena(toHold needed: Int) {
        var count = max(arena.count, 1)
        while count < needed { count *= 2 }
        count = max(min(count, maxArenaBytes), needed)
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        bigger.baseAddress!.copyMemory(from: arena.baseAddress!, byteCount: arenaUsed)
        arena.deallocate()
        arena = bigger
    }

    /// A spelling not seen before: sanitise it and find or register its site.
    private func resolve(_ field: UnsafeRawBufferPointer) -> Int {
        guard let length = SiteName.sanitise(field, into: scratch) else { return 0 }
        let name = String(decoding: UnsafeRawBufferPointer(start: scratch.baseAddress, count: length), as: UTF8.self)
        if let known = indexByName[name] { return Int(known) }
        guard names.count <= maxSites else { return 0 }
        indexByName[name] = Int32(names.count)
        names.append(name)
        return names.count - 1
    }
}
