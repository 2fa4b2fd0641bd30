//! Every WGSL file parses and validates with naga, without a GPU, with only the shader
//! capabilities its registry entry's features grant, and compiles to SPIR-V (what the Vulkan
//! backend runs: this is the only place CI exercises the cooperative-matrix kernel's code
//! generation, since no CI adapter has tensor cores). And every file on disk is in the registry
//! (so nothing ships that the browser and native builds do not both run).

use kernels::{KernelSpec, REGISTRY};
use naga::valid::{Capabilities, ShaderStages, SubgroupOperationSet, ValidationFlags, Validator};

/// The shader capabilities a fully compliant device with exactly `features` grants, by wgpu's
/// own mapping.
fn capabilities(features: wgpu::Features) -> Capabilities {
    wgpu_naga_bridge::features_to_naga_capabilities(features, wgpu::DownlevelFlags::all())
}

fn validator(features: wgpu::Features) -> Validator {
    let mut v = Validator::new(ValidationFlags::all(), capabilities(features));
    if features.contains(wgpu::Features::SUBGROUP) {
        v.subgroup_stages(ShaderStages::COMPUTE)
            .subgroup_operations(SubgroupOperationSet::all());
    }
    v
}

fn validate(spec: &KernelSpec, source: &str) -> naga::valid::ModuleInfo {
    validate_with(spec.file, spec.features, source)
}

fn validate_with(name: &str, features: wgpu::Features, source: &str) -> naga::valid::ModuleInfo {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(source)));
    validator(features)
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} does not validate:\n{}", e.emit_to_string(source)))
}

#[test]
fn every_registered_wgsl_file_validates_with_its_declared_features() {
    for spec in REGISTRY {
        validate(spec, spec.source);
    }
}

#[test]
fn marked_loops_written_out_still_validate() {
    // What the host compiles for a file with `// @unroll` loops: written out at the depths its
    // block shapes use.
    let mut seen = 0;
    for spec in REGISTRY {
        for bk in [4.0, 8.0, 16.0] {
            let constants = [("BK", bk), ("KV_LOADS", bk)];
            let (out, loops) = kernels::unroll::expand_counted(spec.source, &constants);
            if loops > 0 {
                validate(spec, &out);
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no registered file has a marked loop");
}

#[test]
fn a_file_using_subgroups_or_coop_matrices_needs_the_feature() {
    // Declaring fewer features than the WGSL uses must fail validation: the registry's feature
    // list is what decides whether a variant runs.
    for variant in ["subgroup", "coop_f16"] {
        let spec = kernels::registry::find("matmul", variant).unwrap();
        let module = naga::front::wgsl::parse_str(spec.source).unwrap();
        let fewer = spec.features - wgpu::Features::SUBGROUP;
        assert!(
            validator(fewer).validate(&module).is_err(),
            "{variant} validated without SUBGROUP"
        );
    }
    let coop = kernels::registry::find("matmul", "coop_f16").unwrap();
    let module = naga::front::wgsl::parse_str(coop.source).unwrap();
    let fewer = coop.features - wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX;
    assert!(validator(fewer).validate(&module).is_err());
}

#[test]
fn every_registered_wgsl_file_compiles_to_spirv() {
    for spec in REGISTRY {
        let module = naga::front::wgsl::parse_str(spec.source).unwrap();
        let info = validator(spec.features).validate(&module).unwrap();
        // Override constants take their defaults, as a pipeline with no constants would.
        let (module, info) = naga::back::pipeline_constants::process_overrides(
            &module,
            &info,
            None,
            &Default::default(),
        )
        .unwrap_or_else(|e| panic!("{}: overrides: {e}", spec.file));
        let options = naga::back::spv::Options {
            lang_version: (1, 4),
            ..Default::default()
        };
        let words = naga::back::spv::write_vec(&module, &info, &options, None)
            .unwrap_or_else(|e| panic!("{} does not compile to SPIR-V: {e}", spec.file));
        // The SPIR-V magic number, and more than a header.
        assert_eq!(words[0], 0x0723_0203, "{}", spec.file);
        assert!(words.len() > 5, "{}", spec.file);
    }
}

#[test]
fn every_wgsl_file_on_disk_is_registered() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("wgsl");
    let mut stack = vec![root.clone()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "wgsl") {
                found.push(
                    path.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    assert!(!found.is_empty());
    for file in found {
        assert!(
            REGISTRY.iter().any(|s| s.file == file),
            "{file} is not in the registry"
        );
    }
}

#[test]
fn a_broken_shader_fails_validation() {
    let broken = REGISTRY[0]
        .source
        .replace("partials[thread] =", "partials[thread] = undefined_name +");
    let parsed = naga::front::wgsl::parse_str(&broken);
    assert!(
        parsed.is_err(),
        "naga accepted a shader with an undefined name"
    );
}

#[test]
fn every_kernel_exercise_file_validates_and_families_agree() {
    // Exercise kernels use no optional feature: they must run on every adapter.
    for (name, source) in lessons::content::KERNEL_SOURCES {
        validate_with(name, wgpu::Features::empty(), source);
    }
    // The lessons crate validates `kernel:` fields against its own list; both must agree.
    assert_eq!(
        lessons::kernel_exercise::FAMILIES,
        kernels::exercise::FAMILIES
    );
    // A family's solution is its registry kernel, byte for byte: what a learner reveals is what
    // the lab benchmarks.
    for family in kernels::exercise::FAMILIES {
        let (_, solution) = lessons::content::kernel_source(&format!("{family}-solution.wgsl"))
            .unwrap_or_else(|| panic!("no solution file for {family}"));
        let spec = kernels::exercise::exercise_kernel(family).unwrap().spec;
        assert_eq!(solution, spec.source, "{family}");
    }
    for roof in lessons::kernel_exercise::Roof::ALL {
        assert!(kernels::exercise::ROOFS.contains(&roof.id()), "{roof:?}");
    }
}
