// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What the settlement contract asks of a deposit collector: move `amount` of `token` from `payer`
///         into the settlement contract (msg.sender) for channel `channelId`.
interface IDepositCollector {
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external;
}

interface IERC1271 {
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
}

/// @title x402BatchSettlement
/// @notice Unidirectional payment channels for the x402 `batch-settlement` scheme on EVM, written here from the
///         scheme's specification and from the calls and EIP-712 types the official SDK makes.
///         A payer deposits into a channel once; the receiver claims cumulative vouchers (signed by the payer
///         authorizer) in batches, which only moves accounting, and `settle` sweeps what was claimed to the
///         receiver in one transfer. Unclaimed escrow goes back by cooperative refund or by timed withdrawal.
/// @dev Runtime code is placed at the canonical address with anvil_setCode, so no constructor ever runs:
///      no immutables, no storage set at construction, and the EIP-712 domain separator is computed from
///      block.chainid and address(this) on every call.
contract x402BatchSettlement {
    struct ChannelConfig {
        address payer;
        address payerAuthorizer;
        address receiver;
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    /// @param totalClaimed The channel's new cumulative claimed total, at most the voucher's ceiling.
    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    /// @dev One slot per channel: every operation on a channel writes it, so the refund nonce rides along
    ///      for free instead of costing a fresh slot on a channel's first refund. 96 bits hold 7.9e28 base
    ///      units; the ABI still speaks uint128 and a deposit beyond that range reverts. `withdrawPending`
    ///      mirrors a pendingWithdrawals entry, so a refund reads that (cold) slot only when there is one.
    struct ChannelState {
        uint96 balance;
        uint96 totalClaimed;
        uint56 refundNonce;
        bool withdrawPending;
    }

    struct PendingWithdrawal {
        uint128 amount;
        uint40 initiatedAt;
    }

    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    string public constant NAME = "x402 Batch Settlement";
    string public constant VERSION = "1";
    uint40 public constant MIN_WITHDRAW_DELAY = 15 minutes;
    uint40 public constant MAX_WITHDRAW_DELAY = 30 days;

    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 public constant REFUND_TYPEHASH = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    bytes32 public constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
    bytes32 public constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );
    bytes32 private constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("x402 Batch Settlement");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @dev EIP-2: s in the lower half of the secp256k1 order, so a signature has one valid form.
    uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @dev Offsets of ChannelConfig's address words in calldata.
    uint256 private constant PAYER = 0x00;
    uint256 private constant PAYER_AUTHORIZER = 0x20;
    uint256 private constant RECEIVER = 0x40;
    uint256 private constant RECEIVER_AUTHORIZER = 0x60;
    uint256 private constant TOKEN = 0x80;
    /// @dev Transient slot of the reentrancy lock (EIP-1153): keccak256("x402BatchSettlement.lock").
    uint256 private constant LOCK_SLOT = 0xae033d5c3016ccfd2b3eb340738f23361d5f91c0371e5b5442827d29d3145908;

    mapping(bytes32 channelId => ChannelState) private _channels;
    mapping(bytes32 channelId => PendingWithdrawal) public pendingWithdrawals;
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;

    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    event Deposited(
        bytes32 indexed channelId, address indexed sender, address indexed collector, uint128 amount, uint128 balance
    );
    event Claimed(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 totalClaimed);
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    event WithdrawInitiated(bytes32 indexed channelId, address indexed sender, uint128 amount, uint40 finalizeAfter);
    event WithdrawReduced(bytes32 indexed channelId, uint128 amount);
    event WithdrawCancelled(bytes32 indexed channelId);
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount, uint256 nonce);
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);

    error Reentrancy();
    error ZeroAmount();
    error InvalidConfig();
    error WithdrawDelayOutOfRange(uint40 withdrawDelay);
    error DepositNotReceived(uint256 expected, uint256 received);
    error Unauthorized();
    error InvalidVoucherSignature(bytes32 channelId);
    error InvalidAuthorizerSignature();
    error ClaimExceedsVoucher(bytes32 channelId, uint128 totalClaimed, uint128 maxClaimableAmount);
    error ClaimExceedsBalance(bytes32 channelId, uint128 totalClaimed, uint128 balance);
    error MixedReceiverAuthorizers();
    error EmptyClaims();
    error InvalidRefundNonce(uint256 expected, uint256 given);
    error WithdrawExceedsUnclaimed(uint128 amount, uint128 unclaimed);
    error NoPendingWithdrawal();
    error WithdrawDelayNotElapsed(uint256 finalizeAfter);
    error TransferFailed();
    error BalanceOverflow();

    /// @dev The collector is an outside call in the middle of a deposit: nothing may re-enter meanwhile.
    modifier nonReentrant() {
        bool locked;
        assembly ("memory-safe") {
            locked := tload(LOCK_SLOT)
        }
        if (locked) revert Reentrancy();
        assembly ("memory-safe") {
            tstore(LOCK_SLOT, 1)
        }
        _;
        assembly ("memory-safe") {
            tstore(LOCK_SLOT, 0)
        }
    }

    // ---------------------------------------------------------------- deposits

    /// @notice Credits `amount` to the channel of `config`; the collector moves the tokens from the payer.
    ///         The first deposit into an empty channel creates it. Anyone may submit (facilitators sponsor gas):
    ///         the collector's authorization (bound to the channel id) is what proves the payer's consent.
    /// @dev Credit follows the tokens actually received, so a collector can't mint balance it didn't bring.
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external
        nonReentrant
    {
        if (amount == 0) revert ZeroAmount();
        _requireValidConfig(config);
        bytes32 channelId = _channelId(_domainSeparator(), config);

        address token = _addressAt(config, TOKEN);
        uint256 before = _balanceOf(token);
        _collect(collector, config, amount, channelId, collectorData);
        uint256 received = _balanceOf(token) - before;
        if (received != amount) revert DepositNotReceived(amount, received);

        (uint256 balance, bool created) = _credit(channelId, amount);
        if (created) emit ChannelCreated(channelId, config);
        emit Deposited(channelId, msg.sender, collector, amount, uint128(balance));
    }

    // ---------------------------------------------------------------- claims and settlement

    /// @notice Claims vouchers directly: the caller must be each row's receiver or receiver authorizer.
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        uint256 count = voucherClaims.length;
        if (count == 0) revert EmptyClaims();
        bytes32 separator = _domainSeparator();
        bytes32[] memory ids = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            ChannelConfig calldata config = voucherClaims[i].voucher.channel;
            if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) revert Unauthorized();
            ids[i] = _channelId(separator, config);
        }
        _claimAll(voucherClaims, ids, separator);
    }

    /// @notice Claims vouchers of many channels on one EIP-712 `ClaimBatch` signature of their common receiver
    ///         authorizer; anyone may relay it. Replaying it is harmless: claimed totals are cumulative.
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        uint256 count = voucherClaims.length;
        if (count == 0) revert EmptyClaims();
        bytes32 separator = _domainSeparator();
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        bytes32[] memory ids = new bytes32[](count);
        bytes32[] memory entries = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            bytes32 id = _channelId(separator, row.voucher.channel);
            if (_addressAt(row.voucher.channel, RECEIVER_AUTHORIZER) != authorizer) revert MixedReceiverAuthorizers();
            (uint128 ceiling, uint128 target) = _rowAmounts(row);
            ids[i] = id;
            entries[i] = _claimEntryHash(id, ceiling, target);
        }
        bytes32 digest = _typedDigest(separator, _claimBatchHash(entries));
        if (!_isValidSignatureNow(authorizer, digest, authorizerSignature)) revert InvalidAuthorizerSignature();
        _claimAll(voucherClaims, ids, separator);
    }

    /// @notice Transfers everything claimed and not yet settled for `receiver` in `token` to the receiver.
    ///         Permissionless: the funds can only go to the receiver.
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage state = receivers[receiver][token];
        uint128 amount = state.totalClaimed - state.totalSettled;
        if (amount == 0) return;
        state.totalSettled = state.totalClaimed;
        _transfer(token, receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---------------------------------------------------------------- timed withdrawal

    /// @notice Starts the payer's escape hatch: after the channel's withdraw delay `amount` (at most the
    ///         unclaimed escrow now) can be withdrawn. The receiver can still claim during the delay.
    ///         A new initiation replaces a pending one and restarts its delay.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        _requirePayerSide(config);
        if (amount == 0) revert ZeroAmount();
        bytes32 channelId = getChannelId(config);
        ChannelState storage channel = _channels[channelId];
        uint128 unclaimed = channel.balance - channel.totalClaimed;
        if (amount > unclaimed) revert WithdrawExceedsUnclaimed(amount, unclaimed);
        pendingWithdrawals[channelId] = PendingWithdrawal(amount, uint40(block.timestamp));
        channel.withdrawPending = true;
        emit WithdrawInitiated(channelId, msg.sender, amount, uint40(block.timestamp) + config.withdrawDelay);
    }

    /// @notice Completes a withdrawal after its delay, paying the payer what is still unclaimed of it.
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        _requirePayerSide(config);
        bytes32 channelId = getChannelId(config);
        PendingWithdrawal memory pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt == 0) revert NoPendingWithdrawal();
        uint256 finalizeAfter = uint256(pending.initiatedAt) + config.withdrawDelay;
        if (block.timestamp < finalizeAfter) revert WithdrawDelayNotElapsed(finalizeAfter);
        delete pendingWithdrawals[channelId];

        ChannelState memory state = _channels[channelId];
        uint96 unclaimed = state.balance - state.totalClaimed;
        uint96 amount = pending.amount < unclaimed ? uint96(pending.amount) : unclaimed;
        state.balance -= amount;
        state.withdrawPending = false;
        _channels[channelId] = state;
        if (amount > 0) _transfer(config.token, config.payer, amount);
        emit WithdrawFinalized(channelId, msg.sender, amount);
        _emitClosedIfEmpty(channelId, config, state);
    }

    // ---------------------------------------------------------------- cooperative refund

    /// @notice Returns up to `amount` of unclaimed escrow to the payer; the receiver or its authorizer calls.
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) revert Unauthorized();
        bytes32 channelId = getChannelId(config);
        _refund(config, channelId, amount, _channels[channelId]);
    }

    /// @notice The relay-friendly refund: anyone submits the receiver authorizer's EIP-712 `Refund` signature
    ///         for the channel's current refund nonce.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        bytes32 separator = _domainSeparator();
        bytes32 channelId = _channelId(separator, config);
        ChannelState memory state = _channels[channelId];
        if (nonce != state.refundNonce) revert InvalidRefundNonce(state.refundNonce, nonce);
        bytes32 digest = _typedDigest(separator, _hash4(REFUND_TYPEHASH, channelId, bytes32(nonce), bytes32(uint256(amount))));
        if (!_isValidSignatureNow(config.receiverAuthorizer, digest, receiverAuthorizerSignature)) {
            revert InvalidAuthorizerSignature();
        }
        _refund(config, channelId, amount, state);
    }

    // ---------------------------------------------------------------- batching

    /// @notice Runs several calls to this contract in one transaction (e.g. claimWithSignature then
    ///         refundWithSignature); any failure reverts them all.
    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i; i < data.length; ++i) {
            (bool ok, bytes memory result) = address(this).delegatecall(data[i]);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(result, 32), mload(result))
                }
            }
            results[i] = result;
        }
    }

    // ---------------------------------------------------------------- views

    function channels(bytes32 channelId) external view returns (uint128 balance, uint128 totalClaimed) {
        ChannelState memory channel = _channels[channelId];
        return (channel.balance, channel.totalClaimed);
    }

    /// @notice The nonce the next refundWithSignature of the channel must carry.
    function refundNonce(bytes32 channelId) external view returns (uint256) {
        return _channels[channelId].refundNonce;
    }

    function getChannelId(ChannelConfig calldata config) public view returns (bytes32) {
        return _channelId(_domainSeparator(), config);
    }

    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) external view returns (bytes32) {
        return _typedDigest(_domainSeparator(), _hash3(VOUCHER_TYPEHASH, channelId, bytes32(uint256(maxClaimableAmount))));
    }

    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) external view returns (bytes32) {
        return _typedDigest(_domainSeparator(), _hash4(REFUND_TYPEHASH, channelId, bytes32(nonce), bytes32(uint256(amount))));
    }

    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) external view returns (bytes32) {
        bytes32 separator = _domainSeparator();
        bytes32[] memory entries = new bytes32[](voucherClaims.length);
        for (uint256 i; i < voucherClaims.length; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            entries[i] =
                _claimEntryHash(_channelId(separator, row.voucher.channel), row.voucher.maxClaimableAmount, row.totalClaimed);
        }
        return _typedDigest(separator, _claimBatchHash(entries));
    }

    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    // ---------------------------------------------------------------- internals

    /// @dev Claims every row (their ids computed by the caller, which checked their config words clean), then credits the receivers: consecutive rows of
    ///      one receiver and token (a batch usually is one agent's) add to its totals with one write.
    function _claimAll(VoucherClaim[] calldata voucherClaims, bytes32[] memory ids, bytes32 separator) private {
        address receiver;
        address token;
        uint256 credit;
        for (uint256 i; i < ids.length; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            uint128 amount = _claim(row, ids[i], separator);
            if (amount == 0) continue;
            (address rowReceiver, address rowToken) =
                (_addressAt(row.voucher.channel, RECEIVER), _addressAt(row.voucher.channel, TOKEN));
            if (rowReceiver != receiver || rowToken != token) {
                if (credit != 0) receivers[receiver][token].totalClaimed += uint128(credit);
                (receiver, token, credit) = (rowReceiver, rowToken, 0);
            }
            // At most 2^96 a row (a channel's balance), so the sum can't overflow 256 bits.
            unchecked {
                credit += amount;
            }
        }
        if (credit != 0) receivers[receiver][token].totalClaimed += uint128(credit);
    }

    /// @dev Raises the channel's claimed total to the row's, within the voucher's ceiling and the balance, and
    ///      returns by how much. A row at or below the current total changes nothing, so a stale or replayed
    ///      claim is a no-op.
    function _claim(VoucherClaim calldata row, bytes32 channelId, bytes32 separator) private returns (uint128 amount) {
        (uint128 ceiling, uint128 target) = _rowAmounts(row);
        if (target > ceiling) revert ClaimExceedsVoucher(channelId, target, ceiling);
        ChannelState storage channel = _channels[channelId];
        // The channel's slot is read once and written once (Solidity would read it again to write one field).
        uint256 word;
        assembly ("memory-safe") {
            word := sload(channel.slot)
        }
        (uint96 balance, uint96 claimed) = (uint96(word), uint96(word >> 96));
        if (target > balance) revert ClaimExceedsBalance(channelId, target, balance);
        bytes32 digest = _typedDigest(separator, _hash3(VOUCHER_TYPEHASH, channelId, bytes32(uint256(ceiling))));
        if (!_isValidVoucherSignature(row.voucher.channel, digest, row.signature)) {
            revert InvalidVoucherSignature(channelId);
        }
        if (target <= claimed) return 0;

        // target <= balance (a uint96) and target > claimed: neither narrowing nor subtraction can overflow.
        unchecked {
            amount = target - claimed;
        }
        word = (word & ~(uint256(type(uint96).max) << 96)) | (uint256(target) << 96);
        assembly ("memory-safe") {
            sstore(channel.slot, word)
        }
        emit Claimed(channelId, msg.sender, amount, target);
    }

    /// @dev A claim row's ceiling and claimed total, read from calldata and refused, as abi decoding would, when
    ///      beyond uint128.
    function _rowAmounts(VoucherClaim calldata row) private pure returns (uint128 ceiling, uint128 target) {
        uint256 maxWord;
        uint256 totalWord;
        assembly ("memory-safe") {
            maxWord := calldataload(add(row, 0xe0))
            totalWord := calldataload(add(row, 0x120))
        }
        if ((maxWord | totalWord) >> 128 != 0) revert();
        return (uint128(maxWord), uint128(totalWord));
    }

    /// @dev An address field of a config whose words _channelId has checked clean, read without re-checking.
    function _addressAt(ChannelConfig calldata config, uint256 field) private pure returns (address value) {
        assembly ("memory-safe") {
            value := calldataload(add(config, field))
        }
    }

    /// @dev The nonce advances first, whatever moves after, so any earlier signed refund is spent.
    ///      `state` is the channel as read by the caller; it is written back once.
    function _refund(ChannelConfig calldata config, bytes32 channelId, uint128 amount, ChannelState memory state)
        private
    {
        if (amount == 0) revert ZeroAmount();
        uint256 nonce = state.refundNonce;
        uint96 unclaimed = state.balance - state.totalClaimed;
        uint96 refunded = amount < unclaimed ? uint96(amount) : unclaimed;
        state.refundNonce += 1;
        if (refunded == 0) {
            // The nonce advances even when nothing is refunded.
            _channels[channelId] = state;
            return;
        }
        // refunded <= unclaimed <= balance.
        unchecked {
            state.balance -= refunded;
        }

        if (state.withdrawPending) {
            PendingWithdrawal storage pending = pendingWithdrawals[channelId];
            uint128 pendingAmount = pending.amount;
            if (refunded >= pendingAmount) {
                delete pendingWithdrawals[channelId];
                state.withdrawPending = false;
                emit WithdrawCancelled(channelId);
            } else {
                pending.amount = pendingAmount - refunded;
                emit WithdrawReduced(channelId, pendingAmount - refunded);
            }
        }
        _channels[channelId] = state;
        _transfer(config.token, config.payer, refunded);
        emit Refunded(channelId, msg.sender, refunded, nonce);
        _emitClosedIfEmpty(channelId, config, state);
    }

    function _emitClosedIfEmpty(bytes32 channelId, ChannelConfig calldata config, ChannelState memory state)
        private
    {
        if (state.balance == 0 && state.totalClaimed == 0) emit ChannelClosed(channelId, config);
    }

    function _requireValidConfig(ChannelConfig calldata config) private pure {
        if (
            config.payer == address(0) || config.receiver == address(0) || config.receiverAuthorizer == address(0)
                || config.token == address(0)
        ) revert InvalidConfig();
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
            revert WithdrawDelayOutOfRange(config.withdrawDelay);
        }
    }

    /// @dev A zero payer authorizer matches no caller, since msg.sender is never address(0).
    function _requirePayerSide(ChannelConfig calldata config) private view {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) revert Unauthorized();
    }

    /// @dev An EOA payer authorizer signs with ECDSA only; with none, the payer itself signs (EIP-1271 for a
    ///      smart wallet, ECDSA for an EOA). Only called on configs whose channel id was computed (words clean).
    function _isValidVoucherSignature(ChannelConfig calldata config, bytes32 digest, bytes calldata signature)
        private
        view
        returns (bool)
    {
        address payerAuthorizer = _addressAt(config, PAYER_AUTHORIZER);
        if (payerAuthorizer != address(0)) return _recover(digest, signature) == payerAuthorizer;
        return _isValidSignatureNow(_addressAt(config, PAYER), digest, signature);
    }

    /// @dev EIP-1271 for an account with code, ECDSA otherwise.
    function _isValidSignatureNow(address signer, bytes32 digest, bytes calldata signature)
        private
        view
        returns (bool)
    {
        if (signer.code.length == 0) {
            address recovered = _recover(digest, signature);
            return recovered != address(0) && recovered == signer;
        }
        (bool ok, bytes memory result) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && result.length >= 32 && abi.decode(result, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }

    /// @dev 65-byte r ++ s ++ v signatures; address(0) for anything malformed or malleable. The ecrecover
    ///      precompile is called on scratch memory past the free pointer, which Solidity's ecrecover would allocate.
    function _recover(bytes32 digest, bytes calldata signature) private view returns (address signer) {
        if (signature.length != 65) return address(0);
        assembly ("memory-safe") {
            let s := calldataload(add(signature.offset, 0x20))
            let v := byte(0, calldataload(add(signature.offset, 0x40)))
            if and(iszero(gt(s, MAX_S)), or(eq(v, 27), eq(v, 28))) {
                let ptr := mload(0x40)
                mstore(ptr, digest)
                mstore(add(ptr, 0x20), v)
                mstore(add(ptr, 0x40), calldataload(signature.offset))
                mstore(add(ptr, 0x60), s)
                mstore(0x00, 0)
                // The precompile returns nothing for a signature that recovers no key: 0x00 stays zero.
                if iszero(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20)) { revert(0, 0) }
                signer := mload(0x00)
            }
        }
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(EIP712_DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    function _typedDigest(bytes32 separator, bytes32 structHash) private pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), separator)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
    }

    /// @dev The channel id is the full EIP-712 digest of the config, so it binds chain and contract. The config's
    ///      seven words are hashed straight from calldata; a word with bits beyond its type (which abi.encode
    ///      would refuse) reverts, so one config has one id.
    function _channelId(bytes32 separator, ChannelConfig calldata config) private pure returns (bytes32 id) {
        bytes32 typehash = CHANNEL_CONFIG_TYPEHASH;
        bytes32 structHash;
        assembly ("memory-safe") {
            let addresses := or(
                or(calldataload(config), calldataload(add(config, 0x20))),
                or(or(calldataload(add(config, 0x40)), calldataload(add(config, 0x60))), calldataload(add(config, 0x80)))
            )
            let dirty := or(shr(160, addresses), shr(40, calldataload(add(config, 0xa0))))
            if dirty { revert(0, 0) }
            let ptr := mload(0x40)
            mstore(ptr, typehash)
            calldatacopy(add(ptr, 0x20), config, 0xe0)
            structHash := keccak256(ptr, 0x100)
        }
        return _typedDigest(separator, structHash);
    }

    function _claimEntryHash(bytes32 channelId, uint128 maxClaimableAmount, uint128 totalClaimed)
        private
        pure
        returns (bytes32)
    {
        return _hash4(CLAIM_ENTRY_TYPEHASH, channelId, bytes32(uint256(maxClaimableAmount)), bytes32(uint256(totalClaimed)));
    }

    /// @dev keccak256(abi.encode(a, b, c)) on scratch memory, without allocating.
    function _hash3(bytes32 a, bytes32 b, bytes32 c) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, a)
            mstore(add(ptr, 0x20), b)
            mstore(add(ptr, 0x40), c)
            hash := keccak256(ptr, 0x60)
        }
    }

    /// @dev keccak256(abi.encode(a, b, c, d)) on scratch memory, without allocating.
    function _hash4(bytes32 a, bytes32 b, bytes32 c, bytes32 d) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, a)
            mstore(add(ptr, 0x20), b)
            mstore(add(ptr, 0x40), c)
            mstore(add(ptr, 0x60), d)
            hash := keccak256(ptr, 0x80)
        }
    }

    /// @dev EIP-712 encodes an array of structs as the hash of its elements' struct hashes, concatenated.
    function _claimBatchHash(bytes32[] memory entries) private pure returns (bytes32) {
        return keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entries))));
    }

    /// @dev Adds a deposit to the channel's balance, reading and writing its slot once (Solidity would read it
    ///      again to write one field); `created` when the channel was empty.
    function _credit(bytes32 channelId, uint256 amount) private returns (uint256 balance, bool created) {
        ChannelState storage channel = _channels[channelId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(channel.slot)
        }
        uint96 previous = uint96(word);
        balance = uint256(previous) + amount;
        if (balance > type(uint96).max) revert BalanceOverflow();
        word = (word & ~uint256(type(uint96).max)) | balance;
        assembly ("memory-safe") {
            sstore(channel.slot, word)
        }
        created = previous == 0;
    }

    /// @dev collector.collect(payer, token, amount, channelId, collectorData), encoded on scratch memory with
    ///      collectorData copied once; a revert is passed on as it is. No code check: a call to an address without
    ///      code delivers nothing, which the balance check after it refuses.
    function _collect(
        address collector,
        ChannelConfig calldata config,
        uint256 amount,
        bytes32 channelId,
        bytes calldata collectorData
    ) private {
        bytes4 selector = IDepositCollector.collect.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), calldataload(config)) // payer
            mstore(add(ptr, 0x24), calldataload(add(config, 0x80))) // token
            mstore(add(ptr, 0x44), amount)
            mstore(add(ptr, 0x64), channelId)
            mstore(add(ptr, 0x84), 0xa0)
            mstore(add(ptr, 0xa4), collectorData.length)
            calldatacopy(add(ptr, 0xc4), collectorData.offset, collectorData.length)
            mstore(add(add(ptr, 0xc4), collectorData.length), 0) // zero padding to a whole word
            let size := add(0xc4, and(add(collectorData.length, 31), not(31)))
            if iszero(call(gas(), collector, 0, ptr, size, 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /// @dev balanceOf(this) on scratch memory.
    function _balanceOf(address token) private view returns (uint256 held) {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0x70a08231))
            mstore(add(ptr, 0x04), address())
            ok := staticcall(gas(), token, ptr, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            held := mload(0x00)
        }
        if (!ok) revert TransferFailed();
    }

    /// @dev Accepts tokens that return nothing as well as those that return true (the returned word must be
    ///      exactly 1, as abi.decode into bool demands); an address without code is no token.
    function _transfer(address token, address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0xa9059cbb))
            mstore(add(ptr, 0x04), to)
            mstore(add(ptr, 0x24), amount)
            mstore(0x00, 1)
            ok := call(gas(), token, 0, ptr, 0x44, 0x00, 0x20)
            switch returndatasize()
            case 0 { ok := and(ok, gt(extcodesize(token), 0)) }
            default { ok := and(ok, and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1))) }
        }
        if (!ok) revert TransferFailed();
    }
}
