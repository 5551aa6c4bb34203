;; The record split's depth scan in WebAssembly with 128-bit SIMD (issue 14). Source of truth for
;; scan-wasm.generated.ts (`npm run generate` assembles it with wabt; test/ingest/scan-wasm.test.ts fails
;; when the two differ). The JS reference is elementSpansOfBytes (./reference.ts): this scan returns
;; exactly its results, or says "ask the reference" where it would not be sure.
;;
;; Memory: reset(out0, table, count, outEnd, masks) starts a body; then the caller copies the body [from, to)
;; chunk by chunk to an address $at (length $n, a multiple of 64 but for the last chunk), followed by 64
;; bytes of padding, and calls scan($n, $off, $last, $at) with the chunk's offset in the body; the depth, the
;; carries and the current element go from one call to the next in globals. The caller may also leave the
;; whole body where it is (inflated straight into this memory) and scan it in one call at its address, the
;; 64 bytes after it padded for the call. The output grows the memory as needed when $outEnd is 0, else it
;; must end by $outEnd (-3 when it would not: the caller's views of the memory stay valid). Each element is
;; written as five i32 from out0 on, offsets in the body: start, end (after the closing bracket), nameFrom,
;; nameTo, and bit 0 set when a needle hit starts in it (see below), bit 1 when the eventName value
;; (nameFrom, nameTo) holds a backslash. nameFrom is -1 when undecided and -2 when this scan leaves the
;; decision to the reference (a top-level eventName/eventSource key in an unusual
;; position, or next to a chunk boundary). scan returns the element count so far, -1 for null (an element
;; that is not an object, junk between elements, unbalanced brackets, an unterminated string), -2 when the
;; whole body must go to the reference (a backslash outside a string: the reference does not let it escape
;; the next byte, stage 1 would), and -3 when memory could not grow or the output would pass $outEnd.
;;
;; The chunk is scanned in segments of up to 256 blocks of 64 bytes (16 KB: the segment and its masks stay
;; in the first-level cache between the two stages). Stage 1 runs over the segment's blocks without a call
;; (a call in the block loop made TurboFan keep the four vectors of a block on the stack) and writes three
;; masks per block to the mask area at $masks (24 bytes a block): from the bitmasks of quotes, backslashes
;; (only for a block that has one) and brackets (i8x16.eq + i8x16.bitmask; `{[` and `}]` are one class,
;; OR-ed with 0x20), quotes escaped by an odd backslash run (simdjson's subtraction trick, carried across
;; blocks) and the in-string mask by prefix xor (set on an opening quote and inside, clear on the closing
;; one), it keeps the brackets outside strings, the opening quotes that may start an eventName or
;; eventSource key (N or S six bytes on: every other key is passed over without a look), and the needle
;; candidates. Stage 2 reads the masks block by block: a block inside an element with none of the three
;; is passed over; otherwise it verifies the candidates, walks the bracket bits branch-free (the depth, the
;; bytes at depth 0 and 1 between brackets, element starts and ends; bytes at depth 0 must be whitespace or
;; commas) and checks the key candidates at depth 1 that spell "eventNam" or "eventSou", their key/value
;; shape by a few scalar steps ($key). A backslash outside a string found by stage 1 is answered (-2) after
;; stage 2 of the blocks before it, as a scan block by block would.
;;
;; Needles (issue 14): the table at $table holds $count entries of 48 bytes: the needle's first byte x16,
;; its byte at $j x16, the address of its bytes, its length (1 to 128), $j (0 < $j < length, or 0 for a
;; one-byte needle). Per block, stage 1 compares the block with the first byte and the block $j bytes on
;; with the byte at $j (Mula's SIMD substring search, with the rarest of the needle's later bytes in
;; CloudTrail JSON for $j rather than its last: fewer candidates); stage 2 verifies the candidates byte by
;; byte against every needle. A hit must end within the chunk: one that runs
;; past it is the caller's to find, with the bytes that follow. Stage 2 takes the hits in order with the
;; element starts and ends: a hit is the open element's, between two elements the one before's, before the
;; first element the first's (so the element a hit at p belongs to is the last one starting at or before p).
;;
;; Padding: spaces (zeros would do for the elements and hits, but the flags below would see a control
;; byte). The scan also takes the signed minimum of every byte it reads (one i8x16.min_s per 16 bytes):
;; flags() then says whether the body had a byte outside 0x20-0x7f, so the caller of a body without
;; (ASCII, no control byte) makes no UTF-8 check and no line feed search of it.
;;
;; Measured (issue 14, CPU time on the bench shapes, copy included): 1.4-2.0 GB/s; the reference 0.45-0.6.
;; Instructions (callgrind, TurboFan code, shape-1200x250 with the bench's two needles): 6.2 a byte scanned
;; in one stage per block, 5.6 in two stages per segment.
(module
  (memory (export "memory") 1)

  ;; Per element: plain-string eventName / eventSource values, other values of those keys, "ask the
  ;; reference", the eventName value's span, and the end of the last value string read (a candidate
  ;; before it is inside that value).
  (global $names (mut i32) (i32.const 0))
  (global $sources (mut i32) (i32.const 0))
  (global $odd (mut i32) (i32.const 0))
  (global $slow (mut i32) (i32.const 0))
  (global $nameFrom (mut i32) (i32.const 0))
  (global $nameTo (mut i32) (i32.const 0))
  ;; 1 when the eventName value read last holds a backslash (an escape), else 0.
  (global $nameEsc (mut i32) (i32.const 0))
  (global $consumed (mut i32) (i32.const 0))
  ;; Output cursor and element count.
  (global $outp (mut i32) (i32.const 0))
  (global $count (mut i32) (i32.const 0))
  ;; Carried from one chunk to the next: the offset of the chunk in the body, the depth, the current
  ;; element's start, a closing bracket too many, the escape and in-string carries.
  (global $off (mut i32) (i32.const 0))
  (global $depth (mut i32) (i32.const 0))
  (global $start (mut i32) (i32.const 0))
  (global $neg (mut i32) (i32.const 0))
  (global $escCarry (mut i64) (i64.const 0))
  (global $strCarry (mut i64) (i64.const 0))
  ;; Needles: the table's address and its entry count (0: no needle search); whether the current element
  ;; holds a needle hit, whether one came before the first element, whether an element is open.
  (global $nt (mut i32) (i32.const 0))
  (global $nn (mut i32) (i32.const 0))
  (global $hit (mut i32) (i32.const 0))
  (global $pre (mut i32) (i32.const 0))
  (global $inEl (mut i32) (i32.const 0))
  ;; The current chunk's address (a key before it is the reference's), and the end of the output room (0:
  ;; grow the memory as needed).
  (global $lo (mut i32) (i32.const 0))
  (global $outEnd (mut i32) (i32.const 0))
  ;; 1 when the body's bytes scanned so far held one outside 0x20-0x7f (over 0x7f: not ASCII; under 0x20:
  ;; a control byte, maybe a line feed). The padding after the last chunk counts: the caller fills it with
  ;; spaces.
  (global $flags (mut i32) (i32.const 0))
  ;; The mask area: 24 bytes per block of a segment (brackets outside strings, key candidates, needle
  ;; candidates), 6 KB.
  (global $masks (mut i32) (i32.const 0))

  ;; JSON whitespace (space, tab, CR, LF) is tested inline where it is needed, as bit c of 0x100002600 for
  ;; c < 33 (a call per byte measured 3% of the scan).

  ;; The first index >= $i that is not whitespace, or $n.
  (func $skipWs (param $i i32) (param $n i32) (result i32)
    (local $c i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $done (i32.eqz (i32.and (i32.lt_u (local.get $c) (i32.const 33)) (i32.wrap_i64 (i64.shr_u (i64.const 0x100002600) (i64.extend_i32_u (local.get $c)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $more)))
    (local.get $i))

  ;; The opening quote at $p, at depth 1 of the current element: a key spelling eventName or eventSource
  ;; right after `{` or `,` followed by `:` and a value is counted as the reference counts it; any other
  ;; placement of such a string leaves the element to the reference.
  (func $key (param $p i32) (param $n i32)
    (local $kind i32) (local $close i32) (local $r i32) (local $j i32) (local $c i32) (local $esc i32)
    (local $v v128) (local $mq i32) (local $m i32) (local $k i32)
      (block $done
        (br_if $done (i32.lt_u (i32.add (local.get $p) (global.get $off)) (global.get $consumed)))
        (local.set $kind (i32.const 0))
        ;; "eventNam" and "eventSou", little-endian.
        (if (i64.eq (i64.load offset=1 (local.get $p)) (i64.const 0x6d614e746e657665))
          (then
            ;; e"
            (if (i32.eq (i32.load16_u offset=9 (local.get $p)) (i32.const 0x2265))
              (then
                (local.set $kind (i32.const 2))
                (local.set $close (i32.add (local.get $p) (i32.const 10))))))
          (else
            (if (i64.eq (i64.load offset=1 (local.get $p)) (i64.const 0x756f53746e657665))
              (then
                ;; rce"
                (if (i32.eq (i32.load offset=9 (local.get $p)) (i32.const 0x22656372))
                  (then
                    (local.set $kind (i32.const 1))
                    (local.set $close (i32.add (local.get $p) (i32.const 12)))))))))
        (br_if $done (i32.eqz (local.get $kind)))
        ;; A key for sure only right after the element's `{` or a comma (whitespace aside).
        (local.set $r (i32.sub (local.get $p) (i32.const 1)))
        (block $back_done
          (loop $back
            ;; Before this chunk: the reference will tell.
            (if (i32.lt_s (local.get $r) (global.get $lo)) (then (global.set $slow (i32.const 1)) (br $done)))
            (local.set $c (i32.load8_u (local.get $r)))
            (br_if $back_done (i32.eqz (i32.and (i32.lt_u (local.get $c) (i32.const 33)) (i32.wrap_i64 (i64.shr_u (i64.const 0x100002600) (i64.extend_i32_u (local.get $c)))))))
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (br $back)))
        (local.set $c (i32.load8_u (local.get $r)))
        (if (i32.and (i32.ne (local.get $c) (i32.const 44)) (i32.ne (local.get $c) (i32.const 123)))
          (then (global.set $slow (i32.const 1)) (br $done)))
        ;; Then `:` and the value.
        (local.set $j (i32.add (local.get $close) (i32.const 1)))
        (if (i32.ne (i32.load8_u (local.get $j)) (i32.const 58))
          (then (local.set $j (call $skipWs (local.get $j) (local.get $n)))))
        (if (i32.ge_u (local.get $j) (local.get $n))
          (then (global.set $slow (i32.const 1)) (br $done)))
        (if (i32.ne (i32.load8_u (local.get $j)) (i32.const 58))
          (then (global.set $slow (i32.const 1)) (br $done)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (if (i32.ne (i32.load8_u (local.get $j)) (i32.const 34))
          (then (local.set $j (call $skipWs (local.get $j) (local.get $n)))))
        (if (i32.ge_u (local.get $j) (local.get $n))
          (then (global.set $slow (i32.const 1)) (br $done)))
        (local.set $c (i32.load8_u (local.get $j)))
        (if (i32.eq (local.get $c) (i32.const 34))
          (then
            ;; A string value: its closing quote is the first one not escaped. Sixteen bytes at a time up
            ;; to the first quote or backslash (a backslash is then stepped over byte by byte).
            (local.set $r (i32.add (local.get $j) (i32.const 1)))
            (block $end
              (loop $str
                (block $bytewise
                  (br_if $bytewise (i32.gt_u (i32.add (local.get $r) (i32.const 16)) (local.get $n)))
                  (local.set $v (v128.load (local.get $r)))
                  (local.set $mq (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 34)))))
                  (local.set $m
                    (i32.or (local.get $mq)
                      (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 92))))))
                  (if (i32.eqz (local.get $m))
                    (then (local.set $r (i32.add (local.get $r) (i32.const 16))) (br $str)))
                  (local.set $k (i32.ctz (local.get $m)))
                  (local.set $r (i32.add (local.get $r) (local.get $k)))
                  (br_if $end (i32.and (i32.shr_u (local.get $mq) (local.get $k)) (i32.const 1))))
                (if (i32.ge_u (local.get $r) (local.get $n))
                  (then (global.set $slow (i32.const 1)) (br $done)))
                (local.set $c (i32.load8_u (local.get $r)))
                (br_if $end (i32.eq (local.get $c) (i32.const 34)))
                (local.set $esc (i32.or (local.get $esc) (i32.eq (local.get $c) (i32.const 92))))
                (local.set $r
                  (i32.add (local.get $r) (i32.add (i32.const 1) (i32.eq (local.get $c) (i32.const 92)))))
                (br $str)))
            (global.set $consumed (i32.add (local.get $r) (global.get $off)))
            (if (i32.eq (local.get $kind) (i32.const 2))
              (then
                (global.set $names (i32.add (global.get $names) (i32.const 1)))
                (global.set $nameFrom (i32.add (i32.add (local.get $j) (i32.const 1)) (global.get $off)))
                (global.set $nameTo (i32.add (local.get $r) (global.get $off)))
                (global.set $nameEsc (local.get $esc)))
              (else (global.set $sources (i32.add (global.get $sources) (i32.const 1)))))
            (br $done)))
        ;; `,` `:` `}` `]` after the colon: the reference's counters go their own way; ask it.
        (if (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $c) (i32.const 58)))
              (i32.eq (i32.or (local.get $c) (i32.const 32)) (i32.const 125)))
          (then (global.set $slow (i32.const 1)) (br $done)))
        ;; An object, an array, a number, true, false, null or anything else: not a plain string.
        (global.set $odd (i32.add (global.get $odd) (i32.const 1)))))

  ;; The needle hits among a block's candidates $cand (bit p: some needle's first byte at $base + p and its
  ;; byte at $j at its place): each candidate checked against every needle in the table, byte by byte (rare),
  ;; only for a needle that would end by $n.
  (func $verify (param $base i32) (param $n i32) (param $cand i64) (result i64)
    (local $h i64) (local $k64 i64) (local $e i32) (local $t i32) (local $tEnd i32) (local $np i32) (local $nl i32)
    (local $j i32)
    (local.set $tEnd (i32.add (global.get $nt) (i32.mul (global.get $nn) (i32.const 48))))
    (block $cdone
      (loop $cands
        (br_if $cdone (i64.eqz (local.get $cand)))
        (local.set $k64 (i64.ctz (local.get $cand)))
        (local.set $e (i32.add (local.get $base) (i32.wrap_i64 (local.get $k64))))
        (local.set $t (global.get $nt))
        (block $found
          (loop $needles
            (br_if $found (i32.ge_u (local.get $t) (local.get $tEnd)))
            (local.set $np (i32.load offset=32 (local.get $t)))
            (local.set $nl (i32.load offset=36 (local.get $t)))
            (if (i32.le_u (i32.add (local.get $e) (local.get $nl)) (local.get $n))
              (then
                (local.set $j (i32.const 0))
                (block $differs
                  (loop $bytes
                    (if (i32.ge_u (local.get $j) (local.get $nl))
                      (then
                        (local.set $h (i64.or (local.get $h) (i64.shl (i64.const 1) (local.get $k64))))
                        (br $found)))
                    (br_if $differs
                      (i32.ne (i32.load8_u (i32.add (local.get $e) (local.get $j)))
                              (i32.load8_u (i32.add (local.get $np) (local.get $j)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $bytes)))))
            (local.set $t (i32.add (local.get $t) (i32.const 48)))
            (br $needles)))
        (local.set $cand (i64.and (local.get $cand) (i64.sub (local.get $cand) (i64.const 1))))
        (br $cands)))
    (local.get $h))

  ;; Writes the current element [$start, $end). 0, or 1 when memory could not grow (or the output would pass
  ;; $outEnd).
  (func $emit (param $start i32) (param $end i32) (result i32)
    (local $p i32) (local $from i32) (local $to i32)
    (local.set $p (global.get $outp))
    (if (global.get $outEnd)
      (then
        (if (i32.gt_u (i32.add (local.get $p) (i32.const 20)) (global.get $outEnd))
          (then (return (i32.const 1))))))
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 20)) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (memory.size) (i32.const 1)) (i32.const 1)))
                      (i32.const 0))
          (then (return (i32.const 1))))))
    (local.set $from (i32.const -1))
    (local.set $to (i32.const -1))
    (if (global.get $slow)
      (then (local.set $from (i32.const -2)) (local.set $to (i32.const -2)))
      (else
        (if (i32.and
              (i32.and (i32.eq (global.get $names) (i32.const 1)) (i32.eq (global.get $sources) (i32.const 1)))
              (i32.eqz (global.get $odd)))
          (then (local.set $from (global.get $nameFrom)) (local.set $to (global.get $nameTo))))))
    (i32.store (local.get $p) (local.get $start))
    (i32.store offset=4 (local.get $p) (local.get $end))
    (i32.store offset=8 (local.get $p) (local.get $from))
    (i32.store offset=12 (local.get $p) (local.get $to))
    (i32.store offset=16 (local.get $p) (i32.or (global.get $hit) (i32.shl (global.get $nameEsc) (i32.const 1))))
    (global.set $outp (i32.add (local.get $p) (i32.const 20)))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.const 0))

  ;; Starts a body: output at $out0 (after the chunk area) up to $outEnd (0: no bound but the memory's),
  ;; nothing carried; $count needles in the table at $table; the mask area at $masks.
  (func (export "reset") (param $out0 i32) (param $table i32) (param $count i32) (param $outEnd i32) (param $masks i32)
    (global.set $masks (local.get $masks))
    (global.set $outp (local.get $out0))
    (global.set $outEnd (local.get $outEnd))
    (global.set $nt (local.get $table))
    (global.set $nn (local.get $count))
    (global.set $hit (i32.const 0))
    (global.set $pre (i32.const 0))
    (global.set $inEl (i32.const 0))
    (global.set $count (i32.const 0))
    (global.set $flags (i32.const 0))
    (global.set $consumed (i32.const 0))
    (global.set $slow (i32.const 0))
    (global.set $depth (i32.const 0))
    (global.set $neg (i32.const 0))
    (global.set $escCarry (i64.const 0))
    (global.set $strCarry (i64.const 0)))

  ;; The body's bytes scanned since reset, when every scan call returned a count: 1 when one is outside
  ;; 0x20-0x7f (over 0x7f: not ASCII; under 0x20: a control byte, maybe a line feed), else 0.
  (func (export "flags") (result i32) (global.get $flags))

  ;; Scans the next chunk of the body: $n bytes at address $at (a multiple of 64 unless $last), which sit at
  ;; $off in the body. Returns the element count so far, or -1, -2, -3 as above. Within, $n is the chunk's
  ;; end address and $off what turns an address into a body offset.
  (func (export "scan") (param $n i32) (param $off i32) (param $last i32) (param $at i32) (result i32)
    (local $base i32) (local $depth i32) (local $start i32) (local $k i32) (local $isOpen i32) (local $neg i32)
    (local $c i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $quote v128) (local $bslash v128) (local $lower v128) (local $open v128) (local $close v128)
    (local $q i64) (local $bs i64) (local $esc i64) (local $s i64) (local $pe i64) (local $br i64)
    (local $qo i64) (local $bit i64) (local $k64 i64) (local $from i64) (local $valid i64) (local $seg i64)
    (local $d0 i64) (local $d1 i64) (local $ev i64) (local $m i64) (local $w i64)
    (local $escCarry i64) (local $strCarry i64)
    (local $h i64) (local $kq i64) (local $t i32) (local $tEnd i32) (local $e i32)
    (local $fv v128) (local $lv v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $nn i32) (local $nm1 i32) (local $fv1 v128) (local $lv1 v128)
    (local $nm11 i32) (local $fv2 v128) (local $lv2 v128)
    (local $min v128)
    (local $kc i64) (local $kv v128) (local $capN v128) (local $capS v128)
    (local $p i32) (local $mw i32) (local $segEnd i32) (local $stop2 i32)
    (local.set $quote (i8x16.splat (i32.const 34)))
    (local.set $bslash (i8x16.splat (i32.const 92)))
    (local.set $lower (i8x16.splat (i32.const 32)))
    ;; `{` and `[` are 0x7b when OR-ed with 0x20, `}` and `]` 0x7d.
    (local.set $open (i8x16.splat (i32.const 123)))
    (local.set $close (i8x16.splat (i32.const 125)))
    (local.set $capN (i8x16.splat (i32.const 78)))
    (local.set $capS (i8x16.splat (i32.const 83)))
    (local.set $base (local.get $at))
    (local.set $n (i32.add (local.get $at) (local.get $n)))
    (local.set $off (i32.sub (local.get $off) (local.get $at)))
    (global.set $lo (local.get $at))
    (global.set $off (local.get $off))
    (local.set $depth (global.get $depth))
    (local.set $start (global.get $start))
    (local.set $neg (global.get $neg))
    (local.set $escCarry (global.get $escCarry))
    (local.set $strCarry (global.get $strCarry))
    ;; The needle table's first two entries, for the whole chunk.
    (local.set $nn (global.get $nn))
    (local.set $t (global.get $nt))
    (local.set $tEnd (i32.add (local.get $t) (i32.mul (local.get $nn) (i32.const 48))))
    (if (local.get $nn)
      (then
        (local.set $fv (v128.load (local.get $t)))
        (local.set $lv (v128.load offset=16 (local.get $t)))
        (local.set $nm1 (i32.load offset=40 (local.get $t)))))
    (if (i32.gt_u (local.get $nn) (i32.const 1))
      (then
        (local.set $fv1 (v128.load offset=48 (local.get $t)))
        (local.set $lv1 (v128.load offset=64 (local.get $t)))
        (local.set $nm11 (i32.load offset=88 (local.get $t)))))
    ;; The signed minimum of every byte read (the chunk, and the padding after the last one).
    (local.set $min (i8x16.splat (i32.const 127)))
    (block $end
      (loop $segs
        (br_if $end (i32.ge_u (local.get $base) (local.get $n)))
        ;; Stage 1 over a segment of up to 256 blocks: three masks per block into the mask area.
        (local.set $segEnd (i32.add (local.get $base) (i32.const 16384)))
        (if (i32.gt_u (local.get $segEnd) (local.get $n)) (then (local.set $segEnd (local.get $n))))
        (local.set $p (local.get $base))
        (local.set $mw (global.get $masks))
        (block $aend
          (loop $ablocks
            (br_if $aend (i32.ge_u (local.get $p) (local.get $segEnd)))
            (local.set $v0 (v128.load (local.get $p)))
            (local.set $v1 (v128.load offset=16 (local.get $p)))
            (local.set $v2 (v128.load offset=32 (local.get $p)))
            (local.set $v3 (v128.load offset=48 (local.get $p)))
            ;; Bytes outside 0x20-0x7f, for the caller (no UTF-8 or line feed check without them): the signed
            ;; minimum (a byte over 0x7f is negative).
            (local.set $min
              (i8x16.min_s (local.get $min)
                (i8x16.min_s (i8x16.min_s (local.get $v0) (local.get $v1)) (i8x16.min_s (local.get $v2) (local.get $v3)))))
            (local.set $q
              (i64.or
                (i64.or
                  (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $quote))))
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $quote)))) (i64.const 16)))
                (i64.or
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $quote)))) (i64.const 32))
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $quote)))) (i64.const 48)))))
            ;; Backslashes: their mask only for a block that has one.
            (local.set $bs (i64.const 0))
            (if (v128.any_true
                  (v128.or
                    (v128.or (i8x16.eq (local.get $v0) (local.get $bslash)) (i8x16.eq (local.get $v1) (local.get $bslash)))
                    (v128.or (i8x16.eq (local.get $v2) (local.get $bslash)) (i8x16.eq (local.get $v3) (local.get $bslash)))))
              (then
                (local.set $bs
              (i64.or
                (i64.or
                  (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $bslash))))
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $bslash)))) (i64.const 16)))
                (i64.or
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $bslash)))) (i64.const 32))
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $bslash)))) (i64.const 48)))))))
            ;; Needle candidates ($h): where a needle's first byte and its byte at $j sit at their offsets
            ;; (Mula's SIMD substring search); stage 2 verifies them. A hit that runs past the chunk is the
            ;; caller's to find.
            (local.set $h (i64.const 0))
            ;; The first two needles' bytes are in locals (loaded before the block loop); a table walk only
            ;; from the third on.
            (if (local.get $nn)
              (then
                (local.set $e (i32.add (local.get $p) (local.get $nm1)))
                (local.set $c0 (v128.and (i8x16.eq (local.get $v0) (local.get $fv)) (i8x16.eq (v128.load (local.get $e)) (local.get $lv))))
                (local.set $c1 (v128.and (i8x16.eq (local.get $v1) (local.get $fv)) (i8x16.eq (v128.load offset=16 (local.get $e)) (local.get $lv))))
                (local.set $c2 (v128.and (i8x16.eq (local.get $v2) (local.get $fv)) (i8x16.eq (v128.load offset=32 (local.get $e)) (local.get $lv))))
                (local.set $c3 (v128.and (i8x16.eq (local.get $v3) (local.get $fv)) (i8x16.eq (v128.load offset=48 (local.get $e)) (local.get $lv))))
                (if (v128.any_true (v128.or (v128.or (local.get $c0) (local.get $c1)) (v128.or (local.get $c2) (local.get $c3))))
                  (then
                    (local.set $h
                      (i64.or (local.get $h)
                        (i64.or
                          (i64.or
                            (i64.extend_i32_u (i8x16.bitmask (local.get $c0)))
                            (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c1))) (i64.const 16)))
                          (i64.or
                            (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c2))) (i64.const 32))
                            (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c3))) (i64.const 48))))))))
                (if (i32.gt_u (local.get $nn) (i32.const 1))
                  (then
                    (local.set $e (i32.add (local.get $p) (local.get $nm11)))
                    (local.set $c0 (v128.and (i8x16.eq (local.get $v0) (local.get $fv1)) (i8x16.eq (v128.load (local.get $e)) (local.get $lv1))))
                    (local.set $c1 (v128.and (i8x16.eq (local.get $v1) (local.get $fv1)) (i8x16.eq (v128.load offset=16 (local.get $e)) (local.get $lv1))))
                    (local.set $c2 (v128.and (i8x16.eq (local.get $v2) (local.get $fv1)) (i8x16.eq (v128.load offset=32 (local.get $e)) (local.get $lv1))))
                    (local.set $c3 (v128.and (i8x16.eq (local.get $v3) (local.get $fv1)) (i8x16.eq (v128.load offset=48 (local.get $e)) (local.get $lv1))))
                    (if (v128.any_true (v128.or (v128.or (local.get $c0) (local.get $c1)) (v128.or (local.get $c2) (local.get $c3))))
                      (then
                        (local.set $h
                          (i64.or (local.get $h)
                            (i64.or
                              (i64.or
                                (i64.extend_i32_u (i8x16.bitmask (local.get $c0)))
                                (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c1))) (i64.const 16)))
                              (i64.or
                                (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c2))) (i64.const 32))
                                (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c3))) (i64.const 48))))))))
                    (if (i32.gt_u (local.get $nn) (i32.const 2))
                      (then
                        (local.set $t (i32.add (global.get $nt) (i32.const 96)))
                        (loop $needles
                          (local.set $fv2 (v128.load (local.get $t)))
                          (local.set $lv2 (v128.load offset=16 (local.get $t)))
                              (local.set $e (i32.add (local.get $p) (i32.load offset=40 (local.get $t))))
                          (local.set $c0 (v128.and (i8x16.eq (local.get $v0) (local.get $fv2)) (i8x16.eq (v128.load (local.get $e)) (local.get $lv2))))
                          (local.set $c1 (v128.and (i8x16.eq (local.get $v1) (local.get $fv2)) (i8x16.eq (v128.load offset=16 (local.get $e)) (local.get $lv2))))
                          (local.set $c2 (v128.and (i8x16.eq (local.get $v2) (local.get $fv2)) (i8x16.eq (v128.load offset=32 (local.get $e)) (local.get $lv2))))
                          (local.set $c3 (v128.and (i8x16.eq (local.get $v3) (local.get $fv2)) (i8x16.eq (v128.load offset=48 (local.get $e)) (local.get $lv2))))
                          (if (v128.any_true (v128.or (v128.or (local.get $c0) (local.get $c1)) (v128.or (local.get $c2) (local.get $c3))))
                            (then
                              (local.set $h
                                (i64.or (local.get $h)
                                  (i64.or
                                    (i64.or
                                      (i64.extend_i32_u (i8x16.bitmask (local.get $c0)))
                                      (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c1))) (i64.const 16)))
                                    (i64.or
                                      (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c2))) (i64.const 32))
                                      (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c3))) (i64.const 48))))))))
                          (local.set $t (i32.add (local.get $t) (i32.const 48)))
                          (br_if $needles (i32.lt_u (local.get $t) (local.get $tEnd))))))))))
            ;; Brackets of both kinds in one mask (stage 2 reads the kind from the byte).
            (local.set $v0 (v128.or (local.get $v0) (local.get $lower)))
            (local.set $v1 (v128.or (local.get $v1) (local.get $lower)))
            (local.set $v2 (v128.or (local.get $v2) (local.get $lower)))
            (local.set $v3 (v128.or (local.get $v3) (local.get $lower)))
            (local.set $br
              (i64.or
                (i64.or
                  (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v0) (local.get $open)) (i8x16.eq (local.get $v0) (local.get $close)))))
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v1) (local.get $open)) (i8x16.eq (local.get $v1) (local.get $close))))) (i64.const 16)))
                (i64.or
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v2) (local.get $open)) (i8x16.eq (local.get $v2) (local.get $close))))) (i64.const 32))
                  (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v3) (local.get $open)) (i8x16.eq (local.get $v3) (local.get $close))))) (i64.const 48)))))
            ;; Escaped bytes: the byte after each backslash that is not itself escaped (simdjson's
            ;; subtraction trick over odd and even runs; the carry is bit 0 of the next block).
            (if (i64.eqz (local.get $bs))
              (then
                (local.set $esc (local.get $escCarry))
                (local.set $escCarry (i64.const 0)))
              (else
                (local.set $pe (i64.and (local.get $bs) (i64.xor (local.get $escCarry) (i64.const -1))))
                (local.set $s
                  (i64.xor
                    (i64.sub
                      (i64.or (i64.shl (local.get $pe) (i64.const 1)) (i64.const 0xaaaaaaaaaaaaaaaa))
                      (local.get $pe))
                    (i64.const 0xaaaaaaaaaaaaaaaa)))
                (local.set $esc (i64.xor (local.get $s) (i64.or (local.get $bs) (local.get $escCarry))))
                (local.set $escCarry (i64.shr_u (i64.and (local.get $s) (local.get $bs)) (i64.const 63)))))
            ;; Real quotes, then the in-string mask by prefix xor.
            (local.set $q (i64.and (local.get $q) (i64.xor (local.get $esc) (i64.const -1))))
            (local.set $s (local.get $q))
            (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 1))))
            (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 2))))
            (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 4))))
            (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 8))))
            (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 16))))
            (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 32))))
            (local.set $s (i64.xor (local.get $s) (local.get $strCarry)))
            (local.set $strCarry (i64.shr_s (local.get $s) (i64.const 63)))
            ;; A backslash outside a string: the reference reads what follows differently; ask it (after
            ;; stage 2 of the blocks before, as a block-by-block scan would).
            (if (i64.ne (i64.and (local.get $bs) (i64.xor (local.get $s) (i64.const -1))) (i64.const 0))
              (then (local.set $stop2 (i32.const 1)) (br $aend)))
            (i64.store (local.get $mw) (i64.and (local.get $br) (i64.xor (local.get $s) (i64.const -1))))
            ;; Key candidates: opening quotes with N or S six bytes on ("eventName", "eventSource"). The key
            ;; test of stage 2 reads 13 bytes from a quote and hands a key that runs past the chunk to the
            ;; reference: a block that ends fewer than 13 bytes before the chunk's end keeps all its quotes.
            (local.set $kc (i64.const -1))
            (if (i32.le_u (i32.add (local.get $p) (i32.const 77)) (local.get $n))
              (then
                (local.set $kc
                  (i64.or
                    (i64.or
                      (i64.extend_i32_u (i8x16.bitmask (v128.or
                        (i8x16.eq (local.tee $kv (v128.load offset=6 (local.get $p))) (local.get $capN))
                        (i8x16.eq (local.get $kv) (local.get $capS)))))
                      (i64.shl
                        (i64.extend_i32_u (i8x16.bitmask (v128.or
                          (i8x16.eq (local.tee $kv (v128.load offset=22 (local.get $p))) (local.get $capN))
                          (i8x16.eq (local.get $kv) (local.get $capS)))))
                        (i64.const 16)))
                    (i64.or
                      (i64.shl
                        (i64.extend_i32_u (i8x16.bitmask (v128.or
                          (i8x16.eq (local.tee $kv (v128.load offset=38 (local.get $p))) (local.get $capN))
                          (i8x16.eq (local.get $kv) (local.get $capS)))))
                        (i64.const 32))
                      (i64.shl
                        (i64.extend_i32_u (i8x16.bitmask (v128.or
                          (i8x16.eq (local.tee $kv (v128.load offset=54 (local.get $p))) (local.get $capN))
                          (i8x16.eq (local.get $kv) (local.get $capS)))))
                        (i64.const 48)))))))
            (i64.store offset=8 (local.get $mw) (i64.and (i64.and (local.get $q) (local.get $s)) (local.get $kc)))
            (i64.store offset=16 (local.get $mw) (local.get $h))
            (local.set $mw (i32.add (local.get $mw) (i32.const 24)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (br $ablocks)))
        ;; Stage 2, block by block over the segment's masks.
        (local.set $mw (global.get $masks))
        (block $bend
          (loop $bblocks
            (br_if $bend (i32.ge_u (local.get $base) (local.get $p)))
            (local.set $br (i64.load (local.get $mw)))
            (local.set $qo (i64.load offset=8 (local.get $mw)))
            (local.set $h (i64.load offset=16 (local.get $mw)))
            ;; A block inside an element without a bracket, a key candidate or a needle candidate: nothing
            ;; changes (no depth change, no element start or end, no byte at depth 0 to check).
            (if (i32.and (i64.eqz (i64.or (i64.or (local.get $br) (local.get $qo)) (local.get $h)))
                         (i32.ne (local.get $depth) (i32.const 0)))
              (then
                (local.set $mw (i32.add (local.get $mw) (i32.const 24)))
                (local.set $base (i32.add (local.get $base) (i32.const 64)))
                (br $bblocks)))
            (if (i64.ne (local.get $h) (i64.const 0))
              (then (local.set $h (call $verify (local.get $base) (local.get $n) (local.get $h)))))
            ;; The brackets in order, without a branch on their kind (bit 1 of the byte: set for `{`
            ;; and `[`, clear for `}` and `]`): the depth; the bytes at depth 0 ($d0) and 1 ($d1) between them
            ;; ($from masks the bytes after the previous bracket); the element starts (an opening bracket at
            ;; depth 0) and ends (a closing one back to depth 0), $ev.
            (local.set $from (i64.const -1))
            (local.set $d0 (i64.const 0))
            (local.set $d1 (i64.const 0))
            (local.set $ev (i64.const 0))
            (block $brdone
              (loop $brackets
                (br_if $brdone (i64.eqz (local.get $br)))
                (local.set $k64 (i64.ctz (local.get $br)))
                (local.set $bit (i64.shl (i64.const 1) (local.get $k64)))
                (local.set $seg (i64.and (local.get $from) (i64.sub (local.get $bit) (i64.const 1))))
                (local.set $d0
                  (i64.or (local.get $d0) (select (local.get $seg) (i64.const 0) (i32.eqz (local.get $depth)))))
                (local.set $d1
                  (i64.or (local.get $d1)
                    (select (local.get $seg) (i64.const 0) (i32.eq (local.get $depth) (i32.const 1)))))
                (local.set $isOpen
                  (i32.and
                    (i32.shr_u
                      (i32.load8_u (i32.add (local.get $base) (i32.wrap_i64 (local.get $k64))))
                      (i32.const 1))
                    (i32.const 1)))
                (local.set $ev
                  (i64.or (local.get $ev)
                    (select (local.get $bit) (i64.const 0)
                      (i32.eq (i32.add (local.get $depth) (local.get $isOpen)) (i32.const 1)))))
                (local.set $depth
                  (i32.add (local.get $depth) (i32.sub (i32.shl (local.get $isOpen) (i32.const 1)) (i32.const 1))))
                (local.set $neg (i32.or (local.get $neg) (i32.lt_s (local.get $depth) (i32.const 0))))
                (local.set $from (i64.shl (i64.const -2) (local.get $k64)))
                (local.set $br (i64.and (local.get $br) (i64.sub (local.get $br) (i64.const 1))))
                (br $brackets)))
            ;; The bytes after the last bracket, up to the block's end or $n.
            (local.set $valid (i64.const -1))
            (if (i32.lt_u (i32.sub (local.get $n) (local.get $base)) (i32.const 64))
              (then
                (local.set $valid
                  (i64.sub
                    (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (local.get $n) (local.get $base))))
                    (i64.const 1)))))
            (local.set $seg (i64.and (local.get $from) (local.get $valid)))
            (local.set $d0
              (i64.or (local.get $d0) (select (local.get $seg) (i64.const 0) (i32.eqz (local.get $depth)))))
            (local.set $d1
              (i64.or (local.get $d1)
                (select (local.get $seg) (i64.const 0) (i32.eq (local.get $depth) (i32.const 1)))))
            ;; A closing bracket too many.
            (if (local.get $neg) (then (return (i32.const -1))))
            ;; Between elements only whitespace and commas (a string, a number, anything else: not an object).
            (block $d0done
              (loop $d0bytes
                (br_if $d0done (i64.eqz (local.get $d0)))
                (local.set $c (i32.load8_u (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $d0))))))
                (if (i32.and (i32.ne (local.get $c) (i32.const 44)) (i32.eqz (i32.and (i32.lt_u (local.get $c) (i32.const 33)) (i32.wrap_i64 (i64.shr_u (i64.const 0x100002600) (i64.extend_i32_u (local.get $c)))))))
                  (then (return (i32.const -1))))
                (local.set $d0 (i64.and (local.get $d0) (i64.sub (local.get $d0) (i64.const 1))))
                (br $d0bytes)))
            ;; In order: element starts and ends, and the strings at depth 1 that may be eventName or
            ;; eventSource keys ("eventNam" and "eventSou", little-endian, after the quote).
            (local.set $kq (i64.and (local.get $qo) (local.get $d1)))
            (local.set $m (i64.or (i64.or (local.get $ev) (local.get $kq)) (local.get $h)))
            (block $evdone
              (loop $events
                (br_if $evdone (i64.eqz (local.get $m)))
                (local.set $k64 (i64.ctz (local.get $m)))
                (local.set $k (i32.add (local.get $base) (i32.wrap_i64 (local.get $k64))))
                (local.set $m (i64.and (local.get $m) (i64.sub (local.get $m) (i64.const 1))))
                (local.set $bit (i64.shl (i64.const 1) (local.get $k64)))
                (if (i64.eqz (i64.and (local.get $ev) (local.get $bit)))
                  (then
                   (if (i64.ne (i64.and (local.get $kq) (local.get $bit)) (i64.const 0))
                   (then
                    (if (i32.and (i32.gt_u (i32.add (local.get $k) (i32.const 13)) (local.get $n))
                          (i32.eqz (local.get $last)))
                      (then
                        ;; The key may run on into the next chunk: the reference will tell.
                        (global.set $slow (i32.const 1)))
                      (else
                        (local.set $w (i64.load offset=1 (local.get $k)))
                        (if (i32.or (i64.eq (local.get $w) (i64.const 0x6d614e746e657665))
                              (i64.eq (local.get $w) (i64.const 0x756f53746e657665)))
                          (then (call $key (local.get $k) (local.get $n)))))))))
                  (else
                    (if (i32.and (i32.load8_u (local.get $k)) (i32.const 2))
                      (then
                        ;; An element must be an object.
                        (if (i32.eq (i32.load8_u (local.get $k)) (i32.const 91)) (then (return (i32.const -1))))
                        (local.set $start (i32.add (local.get $k) (local.get $off)))
                        (global.set $names (i32.const 0))
                        (global.set $sources (i32.const 0))
                        (global.set $odd (i32.const 0))
                        (global.set $nameEsc (i32.const 0))
                        (global.set $slow (i32.const 0))
                        ;; A hit before the first element is the first element's.
                        (global.set $hit (global.get $pre))
                        (global.set $pre (i32.const 0))
                        (global.set $inEl (i32.const 1)))
                      (else
                        (if (call $emit (local.get $start) (i32.add (i32.add (local.get $k) (local.get $off)) (i32.const 1)))
                          (then (return (i32.const -3))))
                        (global.set $inEl (i32.const 0))))))
                ;; A needle hit is the element's it starts in; between two elements, the one before.
                (if (i64.ne (i64.and (local.get $h) (local.get $bit)) (i64.const 0))
                  (then
                    (if (global.get $inEl)
                      (then (global.set $hit (i32.const 1)))
                      (else
                        (if (global.get $count)
                          (then
                            (i32.store (i32.sub (global.get $outp) (i32.const 4))
                              (i32.or (i32.load (i32.sub (global.get $outp) (i32.const 4))) (i32.const 1))))
                          (else (global.set $pre (i32.const 1))))))))
                (br $events)))
            (local.set $mw (i32.add (local.get $mw) (i32.const 24)))
            (local.set $base (i32.add (local.get $base) (i32.const 64)))
            (br $bblocks)))
        (if (local.get $stop2) (then (return (i32.const -2))))
        (br $segs)))
    (global.set $depth (local.get $depth))
    (global.set $start (local.get $start))
    (global.set $neg (local.get $neg))
    (global.set $escCarry (local.get $escCarry))
    (global.set $strCarry (local.get $strCarry))
    (if (i8x16.bitmask (i8x16.lt_s (local.get $min) (i8x16.splat (i32.const 32))))
      (then (global.set $flags (i32.const 1))))
    (if (i32.and (local.get $last)
          (i32.or (i64.ne (local.get $strCarry) (i64.const 0)) (i32.ne (local.get $depth) (i32.const 0))))
      (then (return (i32.const -1))))
    (global.get $count))
)
