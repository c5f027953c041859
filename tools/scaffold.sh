#!/usr/bin/env bash
# Creates the files every workspace project has. Usage: tools/scaffold.sh apps|libs NAME TAG "description" [dep-lib...]
set -euo pipefail
kind="$1" name="$2" tag="$3" desc="$4"; shift 4
dir="$kind/$name"
mkdir -p "$dir/src"
refs=""
for d in "$@"; do refs="$refs{ \"path\": \"../../libs/$d/tsconfig.build.json\" },"; done
refs="[${refs%,}]"
cat >"$dir/package.json" <<J
{
  "name": "@crm-sync/$name",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "description": "$desc",
  "exports": {
    ".": { "types": "./src/index.ts", "default": "./dist/index.js" }
  }
}
J
cat >"$dir/project.json" <<J
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$dir/src",
  "projectType": "$([ "$kind" = apps ] && echo application || echo library)",
  "tags": ["type:$tag"],
  "targets": { "build": {}, "typecheck": {}, "lint": {}, "test": {} }
}
J
cat >"$dir/tsconfig.build.json" <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist",
    "tsBuildInfoFile": "dist/tsconfig.build.tsbuildinfo"
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.spec.ts", "src/**/*.int-spec.ts", "src/**/*.e2e-spec.ts"],
  "references": $refs
}
J
cat >"$dir/tsconfig.json" <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "composite": false,
    "incremental": false,
    "noEmit": true
  },
  "include": ["src/**/*.ts", "test/**/*.ts"],
  "references": $refs
}
J
cat >"$dir/jest.config.js" <<'J'
import { jestConfig } from '../../tools/jest/preset.js';

export default jestConfig(import.meta.dirname);
J
echo "$dir"
