// The fault shim has no API: it is loaded with LD_PRELOAD and configured by a plan file
// (see fault_shim.c). This header exists because SwiftPM wants one per C target.
#pragma once
