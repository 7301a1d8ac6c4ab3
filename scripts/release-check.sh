#!/usr/bin/env bash
# Checks that a release installs: GoReleaser checks .goreleaser.yml and
# builds a snapshot release without signing or publishing (the zips, the
# SHA256SUMS file, the manifest's entry); then the provider is installed from
# those zips through a filesystem mirror (what a registry download amounts
# to), with Terraform and with OpenTofu, and each plans a small configuration
# with it. Exits non-zero on any failure; prints one line per check.
#
#   ./scripts/release-check.sh                              # this machine's platform only
#   MLOPS_RELEASE_ALL_TARGETS=1 ./scripts/release-check.sh  # every platform of .goreleaser.yml
#
# Work files go to .run/release-check (the snapshot's dist/ included), never
# to the repository's dist/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
work="$RUN_DIR/release-check"
rm -rf "$work"
mkdir -p "$work"
ok() { printf 'release-check: ok: %s\n' "$*"; }

# Every terraform and tofu command here, the install scripts' version checks
# included, reads this CLI configuration and nothing else: the filesystem
# mirror filled below is its only installation method, so nothing is
# downloaded. (OpenTofu prints a warning on standard output when
# TF_CLI_CONFIG_FILE names a missing file.)
mirror="$work/mirror"
mkdir -p "$mirror/registry.terraform.io/mlopsprovider/mlops"
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path = "$mirror"
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_PLUGIN_CACHE_DIR TF_DATA_DIR TOFU_CLI_CONFIG_FILE

goreleaser=$("$ROOT/scripts/install-goreleaser.sh")
terraform=$("$ROOT/scripts/install-terraform.sh")
tofu=$("$ROOT/scripts/install-opentofu.sh")

# 1. The configuration, and a snapshot built from it. The snapshot writes
# into $work/dist: the same configuration with `dist` moved.
"$goreleaser" check --quiet >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; die "goreleaser check failed"; }
ok "goreleaser check: .goreleaser.yml is valid"
# `goreleaser release` has no --single-target (only `goreleaser build` has):
# unless every target is asked for, the copy builds this machine's platform
# only.
goos=$(go env GOOS) goarch=$(go env GOARCH)
{
  if [ "${MLOPS_RELEASE_ALL_TARGETS:-}" = 1 ]; then
    cat .goreleaser.yml
  else
    sed -e "s/^    goos: \[.*\]\$/    goos: [$goos]/" -e "s/^    goarch: \[.*\]\$/    goarch: [$goarch]/" .goreleaser.yml
  fi
  printf '\ndist: %s\n' "$work/dist"
} >"$work/goreleaser.yml"
grep -q "^    goarch: \[$goarch\]\$" "$work/goreleaser.yml" || [ "${MLOPS_RELEASE_ALL_TARGETS:-}" = 1 ] ||
  die "could not limit the build to $goos/$goarch: .goreleaser.yml's goos/goarch lines changed shape"
if ! nice "$goreleaser" release --config "$work/goreleaser.yml" --snapshot --clean \
  --skip=sign,publish >"$work/goreleaser.log" 2>&1; then
  cat "$work/goreleaser.log" >&2
  die "goreleaser release --snapshot failed (log above)"
fi
dist="$work/dist"
version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$dist/metadata.json")
name="terraform-provider-mlops"
sums="$dist/${name}_${version}_SHA256SUMS"
zip="$dist/${name}_${version}_${goos}_${goarch}.zip"
[ -f "$sums" ] || die "no $sums"
[ -f "$zip" ] || die "no $zip"
[ ! -e "$sums.sig" ] || die "$sums.sig exists although signing was skipped"
ok "snapshot $version built: $(basename "$zip"), $(basename "$sums")"

# 2. What the registry reads: SHA256SUMS lists every zip and the manifest
# with their real hashes; each zip holds the binary alone, named with the
# version, which main.version carries.
(cd "$dist" && sha256sum --quiet -c --ignore-missing "$sums") || die "a file's hash differs from $sums"
manifest_sha=$(sha256sum terraform-registry-manifest.json | cut -d' ' -f1)
while read -r sha file; do
  case "$file" in
    "${name}_${version}_manifest.json")
      [ "$sha" = "$manifest_sha" ] || die "$file's hash in SHA256SUMS is not terraform-registry-manifest.json's" ;;
    *.zip) [ -f "$dist/$file" ] || die "$file is in SHA256SUMS but not built" ;;
    *) die "unexpected file in SHA256SUMS: $file" ;;
  esac
done <"$sums"
grep -q " ${name}_${version}_manifest.json\$" "$sums" || die "the manifest is not in $sums"
for z in "$dist"/*.zip; do grep -q " $(basename "$z")\$" "$sums" || die "$(basename "$z") is not in $sums"; done
ok "SHA256SUMS lists $(grep -c '\.zip$' "$sums") zip(s) and ${name}_${version}_manifest.json (= terraform-registry-manifest.json), hashes match"
python3 - "$zip" "${name}_v${version}" "$version" <<'PY' || die "the zip is not as the registry expects"
import sys, zipfile
path, binary, version = sys.argv[1:]
with zipfile.ZipFile(path) as z:
    names = z.namelist()
    if names != [binary]:
        sys.exit("zip holds %s, want [%r]" % (names, binary))
    if (z.getinfo(binary).external_attr >> 16) & 0o111 == 0:
        sys.exit("the binary in the zip is not executable")
    if version.encode() not in z.read(binary):
        sys.exit("the binary does not carry its version %s (ldflags -X main.version)" % version)
PY
ok "the zip holds only ${name}_v${version}, executable, built with main.version=$version"

# 3. Install from a filesystem mirror in the packed layout, the registry's
# own zips: <mirror>/HOST/NAMESPACE/TYPE/<zip>. The configuration names the
# full address, since OpenTofu's default host is registry.opentofu.org.
cp "$zip" "$mirror/registry.terraform.io/mlopsprovider/mlops/"
zip_sha=$(grep -F " $(basename "$zip")" "$sums" | cut -d' ' -f1)
# h1: the hash of the zip's contents (Go's dirhash "h1"), computed here from the zip.
zip_h1=$(python3 - "$zip" <<'PY'
import base64, hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    lines = "".join("%s  %s\n" % (hashlib.sha256(z.read(n)).hexdigest(), n) for n in sorted(z.namelist()))
print("h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode())
PY
)

for cli in "$terraform" "$tofu"; do
  tool=$(basename "$cli")
  dir="$work/$tool"
  mkdir -p "$dir"
  cat >"$dir/main.tf" <<HCL
terraform {
  required_providers {
    mlops = {
      source  = "registry.terraform.io/mlopsprovider/mlops"
      version = "$version"
    }
  }
}

# Planning a new registered model reads nothing from the server.
provider "mlops" {
  mlflow = { tracking_uri = "http://127.0.0.1:9" }
}

resource "mlops_registered_model" "check" {
  name = "release-check"
  tags = { built_by = "goreleaser" }
}
HCL
  run() {
    HOME="$dir" "$cli" -chdir="$dir" "$@" >>"$dir/log" 2>&1 || { cat "$dir/log" >&2; die "$tool $* failed (log above)"; }
  }
  run init -no-color
  grep -q "Installed registry.terraform.io/mlopsprovider/mlops v$version\|Installed mlopsprovider/mlops v$version" "$dir/log" ||
    { cat "$dir/log" >&2; die "$tool init did not install the provider $version from the mirror"; }
  ok "$tool ($("$cli" version 2>/dev/null | head -1)) init installed registry.terraform.io/mlopsprovider/mlops $version from the filesystem mirror"

  lock="$dir/.terraform.lock.hcl"
  hashes=$(python3 - "$lock" "$version" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r'provider "registry.terraform.io/mlopsprovider/mlops" \{(.*?)\n\}', text, re.S)
if not m:
    sys.exit("no provider block in the lock file")
body = m.group(1)
if not re.search(r'version\s*=\s*"%s"' % re.escape(sys.argv[2]), body):
    sys.exit("the lock file does not record version " + sys.argv[2])
print(" ".join(re.findall(r'"((?:h1|zh):[^"]+)"', body)))
PY
  ) || die "$tool: $lock is not as expected"
  for h in $hashes; do
    case "$h" in
      "$zip_h1") ;;
      "zh:$zip_sha") ;;
      *) die "$tool recorded $h in $lock, which is neither the zip's h1 ($zip_h1) nor its SHA256SUMS hash (zh:$zip_sha)" ;;
    esac
  done
  case " $hashes " in *" $zip_h1 "*) ;; *) die "$tool: $lock lacks the zip's $zip_h1 (has: $hashes)" ;; esac
  recorded="h1"
  case " $hashes " in *" zh:$zip_sha "*) recorded="h1 and zh (= SHA256SUMS)" ;; esac
  ok "$tool: the lock file records the zip's $recorded: $hashes"

  run plan -no-color -out=tfplan
  HOME="$dir" "$cli" -chdir="$dir" show -json tfplan >"$dir/plan.json" 2>>"$dir/log" || die "$tool show -json failed"
  python3 - "$dir/plan.json" <<'PY' || die "$tool's plan is not the expected one"
import json, sys
plan = json.load(open(sys.argv[1]))
changes = [(c["address"], c["change"]["actions"]) for c in plan["resource_changes"]]
if changes != [("mlops_registered_model.check", ["create"])]:
    sys.exit("plan has %s, want mlops_registered_model.check created" % changes)
after = plan["resource_changes"][0]["change"]["after"]
if after.get("name") != "release-check":
    sys.exit("planned name %r" % after.get("name"))
PY
  ok "$tool plan with the installed provider: mlops_registered_model.check to create"
done
