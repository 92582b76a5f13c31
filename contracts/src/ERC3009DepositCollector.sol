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
        (bool ok, bytes memory result) = token.call(abi.encodeCall(IERC3009Receive.transfer, (SETTLEMENT, amount)));
        if (!ok || (result.length != 0 && !abi.decode(result, (bool)))) revert TransferFailed();
    }
}
