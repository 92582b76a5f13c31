// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TestSmartWallet
/// @notice For contract tests only (never placed on the dev chain): a minimal smart-contract wallet whose owner
///         key signs for it through EIP-1271, and which can fund a batch-settlement deposit as its own collector.
contract TestSmartWallet {
    address public owner;
    bool private _executing;

    constructor(address initialOwner) {
        owner = initialOwner;
    }

    /// @notice The owner makes the wallet call `target` (e.g. deposit or initiateWithdraw as the payer).
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "TestSmartWallet: not the owner");
        _executing = true;
        (bool ok, bytes memory result) = target.call(data);
        _executing = false;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice As a deposit collector: pays `amount` to the caller, but only inside the owner's own `execute`.
    ///         Outside it, it returns without paying: a collector that lies about a deposit.
    function collect(address, address token, uint256 amount, bytes32, bytes calldata) external {
        if (!_executing) return;
        (bool ok,) = token.call(abi.encodeWithSignature("transfer(address,uint256)", msg.sender, amount));
        require(ok, "TestSmartWallet: transfer failed");
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
