// The executable sees GatehouseApp only; these are the Core types its commands name.
@_exported import struct GatehouseCore.GatehouseError
