// Workgroup-memory tiled matrix multiply: C = A · B with A (M×K), B (K×N), C (M×N), row-major f32.
//
// The naive kernel reads every element of A N times and every element of B M times from global
// memory. Here a TILE×TILE workgroup first copies one TILE×TILE block of A and one of B into
// workgroup memory (fast, on-chip, shared by the workgroup's threads), waits until the whole
// block is there, and then every thread reads its row and column of the blocks from on-chip memory.
// Each global element is now loaded once per block instead of once per thread: global traffic
// falls by a factor of TILE, and the arithmetic intensity rises by the same factor.
//
// Each thread still owns exactly one element of C (row, col) and keeps its running sum in a
// register.

struct Params {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// Block edge; the workgroup is TILE×TILE threads. The host chooses it from the adapter's limits.
override TILE: u32 = 16u;

// Workgroup memory: one TILE×TILE block of A and one of B, 2·TILE²·4 bytes (2 KiB at TILE = 16).
var<workgroup> a_tile: array<f32, TILE * TILE>;
var<workgroup> b_tile: array<f32, TILE * TILE>;

@compute @workgroup_size(TILE, TILE)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    // x runs along a row of C, so neighbouring threads touch neighbouring columns (coalesced).
    let col = wid.x * TILE + lid.x;
    let row = wid.y * TILE + lid.y;
    var acc = 0.0;
    let blocks = (params.k + TILE - 1u) / TILE;
    for (var t = 0u; t < blocks; t++) {
        // Every thread loads one element of each block. Elements past the edge of A or B (when
        // M, N or K is not a multiple of TILE) are loaded as zero, so they add nothing below.
        let a_col = t * TILE + lid.x;
        let b_row = t * TILE + lid.y;
        var av = 0.0;
        if (row < params.m && a_col < params.k) {
            av = a[row * params.k + a_col];
        }
        var bv = 0.0;
        if (b_row < params.k && col < params.n) {
            bv = b[b_row * params.n + col];
        }
        a_tile[lid.y * TILE + lid.x] = av;
        b_tile[lid.y * TILE + lid.x] = bv;
        // Barrier 1: no thread may read the blocks before every thread has written its element.
        workgroupBarrier();
        for (var p = 0u; p < TILE; p++) {
            acc = fma(a_tile[lid.y * TILE + p], b_tile[p * TILE + lid.x], acc);
        }
        // Barrier 2: no thread may overwrite the blocks (next iteration) while others still read.
        workgroupBarrier();
    }
    // Threads outside C took part in the loads and barriers above (a barrier must be reached by
    // every thread of the workgroup), but write nothing.
    if (row < params.m && col < params.n) {
        c[row * params.n + col] = acc;
    }
}
