//! A lost device is an error the caller can show, never a panic or a hang.

#![cfg(not(target_arch = "wasm32"))]

use kernels::registry::find;
use kernels::{AdapterChoice, Gpu, KernelError, RunOptions, Shape, TimingOptions, run_kernel};

#[test]
fn a_destroyed_device_reports_device_lost() {
    pollster::block_on(async {
        let gpu = Gpu::new(AdapterChoice::Best).await.expect("a GPU adapter");
        gpu.device.destroy();
        let opts = RunOptions {
            timing: TimingOptions::quick(),
            seed: None,
        };
        let spec = find("matmul", "naive").unwrap();
        let e = run_kernel(&gpu, spec, Shape::Matmul { m: 8, n: 8, k: 8 }, &opts)
            .await
            .unwrap_err();
        assert!(matches!(e, KernelError::DeviceLost(_)), "{e:?}");
        assert!(e.to_string().contains("lost"), "{e}");
    });
}
