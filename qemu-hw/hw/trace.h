#include "trace/trace-hw_vpci_rig.h"
