//! Every WGSL file parses and validates with naga, without a GPU, and every file on disk is in
//! the registry (so nothing ships that the browser and native builds do not both run).

use kernels::REGISTRY;

fn validate(name: &str, source: &str) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(source)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{name} does not validate:\n{}", e.emit_to_string(source)));
}

#[test]
fn every_registered_wgsl_file_validates() {
    for spec in REGISTRY {
        validate(spec.file, spec.source);
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
    for (name, source) in lessons::content::KERNEL_SOURCES {
        validate(name, source);
    }
    // The lessons crate validates `kernel:` fields against its own list; both must agree.
    assert_eq!(
        lessons::kernel_exercise::FAMILIES,
        kernels::exercise::FAMILIES
    );
    for roof in lessons::kernel_exercise::Roof::ALL {
        assert!(kernels::exercise::ROOFS.contains(&roof.id()), "{roof:?}");
    }
}
