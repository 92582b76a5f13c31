// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC3009Receive {
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    function transfer(address to, uint256 value) external returns (bool);
}

/// @title ERC3009DepositCollector
/// @notice Pulls a batch-settlement deposit from the payer with an EIP-3009 `ReceiveWithAuthorization` the payer
///         signed to this contract, and hands the tokens straight to the settlement contract.
///         collectorData = abi.encode(uint256 validAfter, uint256 validBefore, uint256 salt, bytes signature);
///         the authorization's nonce is keccak256(abi.encode(channelId, salt)), so a signature funds one
///         channel only and can't be redirected to another.
/// @dev Only the settlement contract (at its canonical address, a constant since no constructor runs under
///      anvil_setCode) may call `collect`, and every token this contract receives leaves to it in the same call.
contract ERC3009DepositCollector {
    address public constant SETTLEMENT = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    error OnlySettlement();
    error TransferFailed();

    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
    {
        if (msg.sender != SETTLEMENT) revert OnlySettlement();
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(collectorData, (uint256, uint256, uint256, bytes));
        bytes32 nonce = keccak256(abi.encode(channelId, salt));
        IERC3009Receive(token).receiveWithAuthorization(
            payer, address(this), amount, validAfter, validBefore, nonce, signature
        );
        _transferToSettlement(token, amount);
    }

    /// @dev transfer(SETTLEMENT, amount) on scratch memory; a token may return nothing, or must return true.
    function _transferToSettlement(address token, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0xa9059cbb))
            mstore(add(ptr, 0x04), SETTLEMENT)
            mstore(add(ptr, 0x24), amount)
            mstore(0x00, 1)
            ok := call(gas(), token, 0, ptr, 0x44, 0x00, 0x20)
            if returndatasize() { ok := and(ok, and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1))) }
        }
        if (!ok) revert TransferFailed();
    }
}
