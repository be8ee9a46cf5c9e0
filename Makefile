# Every target wraps an npm script; `make test` and `make demo` set up
# everything they need on a fresh machine (npm packages, Node.js 24 from the
# npm registry, and the real servers built from Go modules into a cache).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help deps bins test test-unit test-integration e2e test-under-load lint format typecheck test-env demo up crds dashboards images clean-cache

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json */package.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json ## Install npm packages (and Node.js 24) from package-lock.json

# Debian packages of the test node (container runtime, CNI, iptables) and the image tools.
NODE_PACKAGES := containerd runc containernetworking-plugins iptables conntrack umoci skopeo openssl

bins: ## Build the test servers, the test node and the other official clients once (cached)
	hack/ensure-apt.sh $(NODE_PACKAGES)
	hack/ensure-bins.sh >/dev/null
	hack/ensure-python-sdk.sh >/dev/null
	hack/ensure-leshan-client.sh >/dev/null

test: deps bins ## Lint, type-check and run every test against real servers
	npm test

test-unit: deps ## Unit tests only (no servers)
	npm run test:unit

test-integration: deps bins ## Integration tests only
	npm run test:integration

e2e: deps bins ## End-to-end: the chart's pods from the images built here on a real kubelet (part of make test)
	npm run test:e2e

test-under-load: deps bins ## Integration and e2e projects 3 times in a row with every core kept busy (flakiness check)
	bench/under-load.sh

lint: deps ## ESLint and Prettier
	npm run lint

format: deps ## Format and fix lint findings
	npm run format

typecheck: deps ## tsc --noEmit over the workspace
	npm run typecheck

test-env: deps bins ## Start the test environment by hand (Ctrl-C stops it)
	npm run test-env

demo: deps ## Run ShelfPulse locally, no cluster needed
	SHELFPULSE_NODE=0 hack/ensure-bins.sh >/dev/null
	npm run demo

up: ## With Docker and kind: create a cluster, load the image archives, install the chart and an example fleet
	scripts/up.sh

crds: deps ## Generate crds/ from the zod schemas and copy them into the chart
	npm run gen:crds

dashboards: deps ## Generate the Grafana dashboards' JSON into the chart
	npm run gen:dashboards

IMAGE_REGISTRY ?= ghcr.io/shelfpulse
IMAGE_TAG ?= $(shell grep '^appVersion:' charts/shelfpulse/Chart.yaml | tr -d "\"' " | cut -d: -f2)
images: deps ## Build the operator/bridge and simulator/emulator images into dist/images/*.tar (no Docker needed)
	hack/ensure-apt.sh umoci
	IMAGE_REGISTRY=$(IMAGE_REGISTRY) IMAGE_TAG=$(IMAGE_TAG) OUT=$(CURDIR)/dist/images images/build.sh operator simulator

clean-cache: ## Remove the cached server binaries
	rm -rf "$${SHELFPULSE_CACHE:-$$HOME/.cache/shelfpulse}"
