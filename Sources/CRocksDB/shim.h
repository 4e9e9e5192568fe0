#ifndef SWITCHBOARD_CROCKSDB_SHIM_H
#define SWITCHBOARD_CROCKSDB_SHIM_H

// The RocksDB C API, the only RocksDB surface the Storage target uses.
#include <rocksdb/c.h>

#endif
