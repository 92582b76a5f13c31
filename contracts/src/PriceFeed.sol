// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PriceFeed
/// @notice An ETH/USD feed with Chainlink's AggregatorV3Interface, so code that reads Chainlink on Base
///         reads this on the local chain. The owner pushes answers; each push opens a new round.
/// @dev No immutables, for the same reason as LocalUSDC: runtime code must equal the artifact's.
contract PriceFeed {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    uint8 public constant decimals = 8;
    string public constant description = "ETH / USD";
    uint256 public constant version = 1;

    address public owner;
    uint80 public latestRound;
    mapping(uint80 => Round) private _rounds;

    /// @dev Chainlink's AggregatorInterface events, so indexers that follow feeds see updates.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    /// @param initialOwner The updater, passed in because the feed is deployed through a CREATE2 factory.
    /// @param initialAnswer The first answer, with 8 decimals (3000 USD = 300000000000).
    constructor(address initialOwner, int256 initialAnswer) {
        require(initialOwner != address(0), "PriceFeed: owner is the zero address");
        owner = initialOwner;
        _advance(initialAnswer);
    }

    function updateAnswer(int256 answer) external {
        require(msg.sender == owner, "PriceFeed: caller is not the owner");
        _advance(answer);
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round storage round = _rounds[roundId];
        // Chainlink reverts for rounds it has no data for rather than returning zeros.
        require(round.updatedAt != 0, "No data present");
        return (roundId, round.answer, round.startedAt, round.updatedAt, roundId);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(latestRound);
    }

    function _advance(int256 answer) private {
        uint80 roundId = ++latestRound;
        _rounds[roundId] = Round(answer, block.timestamp, block.timestamp);
        emit NewRound(roundId, msg.sender, block.timestamp);
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }
}
