// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReentrantCollector
/// @notice For contract tests only: a deposit collector that, instead of delivering tokens, calls back into the
///         settlement contract with a call armed beforehand (e.g. an honest deposit into another channel, whose
///         tokens the outer deposit would otherwise count as its own).
contract ReentrantCollector {
    bytes private _reentry;

    function arm(bytes calldata call) external {
        _reentry = call;
    }

    function collect(address, address, uint256, bytes32, bytes calldata) external {
        (bool ok, bytes memory result) = msg.sender.call(_reentry);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
