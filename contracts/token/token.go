// Code generated - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package token

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/event"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = errors.New
	_ = big.NewInt
	_ = strings.NewReader
	_ = ethereum.NotFound
	_ = bind.Bind
	_ = common.Big1
	_ = types.BloomLookup
	_ = event.NewSubscription
	_ = abi.ConvertType
	_ = time.Tick
	_ = context.Background
)

// AlephTokenMetaData contains all meta data concerning the AlephToken contract.
var AlephTokenMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"initialSupply\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"allowance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"InsufficientAllowance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"InsufficientBalance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"recipients\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"amounts\",\"type\":\"uint256\"}],\"name\":\"LengthMismatch\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotOwner\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Approval\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"allowance\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"burn\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"decimals\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"mint\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address[]\",\"name\":\"to\",\"type\":\"address[]\"},{\"internalType\":\"uint256[]\",\"name\":\"values\",\"type\":\"uint256[]\"}],\"name\":\"multiTransfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"name\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"symbol\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalSupply\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x60a060405234801561000f575f5ffd5b506040516109db3803806109db83398101604081905261002e916100d3565b33608081905261003e9082610044565b5061010f565b6001600160a01b03821661006b5760405163d92e233d60e01b815260040160405180910390fd5b805f5f82825461007b91906100ea565b90915550506001600160a01b0382165f818152600160209081526040808320805486019055518481527fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef910160405180910390a35050565b5f602082840312156100e3575f5ffd5b5051919050565b8082018082111561010957634e487b7160e01b5f52601160045260245ffd5b92915050565b6080516108ad61012e5f395f81816101d9015261043c01526108ad5ff3fe608060405234801561000f575f5ffd5b50600436106100cb575f3560e01c806340c10f19116100885780638da5cb5b116100635780638da5cb5b146101d457806395d89b4114610213578063a9059cbb14610237578063dd62ed3e1461024a575f5ffd5b806340c10f191461018d57806342966c68146101a257806370a08231146101b5575f5ffd5b806306fdde03146100cf578063095ea7b31461011457806318160ddd146101375780631e89d5451461014d57806323b872dd14610160578063313ce56714610173575b5f5ffd5b6100fe6040518060400160405280601081526020016f20b632b834102a32b9ba102a37b5b2b760811b81525081565b60405161010b919061069f565b60405180910390f35b6101276101223660046106ef565b610274565b604051901515815260200161010b565b61013f5f5481565b60405190815260200161010b565b61012761015b36600461075f565b610300565b61012761016e3660046107cb565b610397565b61017b601281565b60405160ff909116815260200161010b565b6101a061019b3660046106ef565b610431565b005b6101a06101b0366004610805565b610488565b61013f6101c336600461081c565b60016020525f908152604090205481565b6101fb7f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b03909116815260200161010b565b6100fe60405180604001604052806005815260200164082988aa0960db1b81525081565b6101276102453660046106ef565b61051c565b61013f61025836600461083c565b600260209081525f928352604080842090915290825290205481565b5f6001600160a01b03831661029c5760405163d92e233d60e01b815260040160405180910390fd5b335f8181526002602090815260408083206001600160a01b03881680855290835292819020869055518581529192917f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925910160405180910390a35060015b92915050565b5f838214610330576040516355c5b3e360e11b815260048101859052602481018390526044015b60405180910390fd5b5f5b8481101561038b57610383338787848181106103505761035061086d565b9050602002016020810190610365919061081c565b8686858181106103775761037761086d565b90506020020135610531565b600101610332565b50600195945050505050565b6001600160a01b0383165f9081526002602090815260408083203384529091528120545f19811461041b57828110156103f357604051630c95cf2760e11b81523360048201526024810182905260448101849052606401610327565b6001600160a01b0385165f908152600260209081526040808320338452909152902083820390555b610426858585610531565b506001949350505050565b336001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161461047a576040516330cd747160e01b815260040160405180910390fd5b6104848282610617565b5050565b335f90815260016020526040902054818110156104c85760405163db42144d60e01b81523360048201526024810182905260448101839052606401610327565b335f818152600160209081526040808320868603905582548690038355518581529192917fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef91015b60405180910390a35050565b5f610528338484610531565b50600192915050565b6001600160a01b0382166105585760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b0383165f90815260016020526040902054818110156105aa5760405163db42144d60e01b81526001600160a01b03851660048201526024810182905260448101839052606401610327565b6001600160a01b038085165f8181526001602052604080822086860390559286168082529083902080548601905591517fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef906106099086815260200190565b60405180910390a350505050565b6001600160a01b03821661063e5760405163d92e233d60e01b815260040160405180910390fd5b805f5f82825461064e9190610881565b90915550506001600160a01b0382165f818152600160209081526040808320805486019055518481527fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef9101610510565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b80356001600160a01b03811681146106ea575f5ffd5b919050565b5f5f60408385031215610700575f5ffd5b610709836106d4565b946020939093013593505050565b5f5f83601f840112610727575f5ffd5b50813567ffffffffffffffff81111561073e575f5ffd5b6020830191508360208260051b8501011115610758575f5ffd5b9250929050565b5f5f5f5f60408587031215610772575f5ffd5b843567ffffffffffffffff811115610788575f5ffd5b61079487828801610717565b909550935050602085013567ffffffffffffffff8111156107b3575f5ffd5b6107bf87828801610717565b95989497509550505050565b5f5f5f606084860312156107dd575f5ffd5b6107e6846106d4565b92506107f4602085016106d4565b929592945050506040919091013590565b5f60208284031215610815575f5ffd5b5035919050565b5f6020828403121561082c575f5ffd5b610835826106d4565b9392505050565b5f5f6040838503121561084d575f5ffd5b610856836106d4565b9150610864602084016106d4565b90509250929050565b634e487b7160e01b5f52603260045260245ffd5b808201808211156102fa57634e487b7160e01b5f52601160045260245ffdfea164736f6c6343000825000a",
}

// AlephTokenABI is the input ABI used to generate the binding from.
// Deprecated: Use AlephTokenMetaData.ABI instead.
var AlephTokenABI = AlephTokenMetaData.ABI

// AlephTokenBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use AlephTokenMetaData.Bin instead.
var AlephTokenBin = AlephTokenMetaData.Bin

// DeployAlephToken deploys a new Ethereum contract, binding an instance of AlephToken to it.
func DeployAlephToken(auth *bind.TransactOpts, backend bind.ContractBackend, initialSupply *big.Int) (common.Address, *types.Transaction, *AlephToken, error) {
	parsed, err := AlephTokenMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(AlephTokenBin), backend, initialSupply)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &AlephToken{AlephTokenCaller: AlephTokenCaller{contract: contract}, AlephTokenTransactor: AlephTokenTransactor{contract: contract}, AlephTokenFilterer: AlephTokenFilterer{contract: contract}}, nil
}

// AlephToken is an auto generated Go binding around an Ethereum contract.
type AlephToken struct {
	AlephTokenCaller     // Read-only binding to the contract
	AlephTokenTransactor // Write-only binding to the contract
	AlephTokenFilterer   // Log filterer for contract events
}

// AlephTokenCaller is an auto generated read-only Go binding around an Ethereum contract.
type AlephTokenCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// AlephTokenTransactor is an auto generated write-only Go binding around an Ethereum contract.
type AlephTokenTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// AlephTokenFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type AlephTokenFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// AlephTokenSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type AlephTokenSession struct {
	Contract     *AlephToken       // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// AlephTokenCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type AlephTokenCallerSession struct {
	Contract *AlephTokenCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts     // Call options to use throughout this session
}

// AlephTokenTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type AlephTokenTransactorSession struct {
	Contract     *AlephTokenTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts     // Transaction auth options to use throughout this session
}

// AlephTokenRaw is an auto generated low-level Go binding around an Ethereum contract.
type AlephTokenRaw struct {
	Contract *AlephToken // Generic contract binding to access the raw methods on
}

// AlephTokenCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type AlephTokenCallerRaw struct {
	Contract *AlephTokenCaller // Generic read-only contract binding to access the raw methods on
}

// AlephTokenTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type AlephTokenTransactorRaw struct {
	Contract *AlephTokenTransactor // Generic write-only contract binding to access the raw methods on
}

// NewAlephToken creates a new instance of AlephToken, bound to a specific deployed contract.
func NewAlephToken(address common.Address, backend bind.ContractBackend) (*AlephToken, error) {
	contract, err := bindAlephToken(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &AlephToken{AlephTokenCaller: AlephTokenCaller{contract: contract}, AlephTokenTransactor: AlephTokenTransactor{contract: contract}, AlephTokenFilterer: AlephTokenFilterer{contract: contract}}, nil
}

// NewAlephTokenCaller creates a new read-only instance of AlephToken, bound to a specific deployed contract.
func NewAlephTokenCaller(address common.Address, caller bind.ContractCaller) (*AlephTokenCaller, error) {
	contract, err := bindAlephToken(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &AlephTokenCaller{contract: contract}, nil
}

// NewAlephTokenTransactor creates a new write-only instance of AlephToken, bound to a specific deployed contract.
func NewAlephTokenTransactor(address common.Address, transactor bind.ContractTransactor) (*AlephTokenTransactor, error) {
	contract, err := bindAlephToken(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &AlephTokenTransactor{contract: contract}, nil
}

// NewAlephTokenFilterer creates a new log filterer instance of AlephToken, bound to a specific deployed contract.
func NewAlephTokenFilterer(address common.Address, filterer bind.ContractFilterer) (*AlephTokenFilterer, error) {
	contract, err := bindAlephToken(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &AlephTokenFilterer{contract: contract}, nil
}

// bindAlephToken binds a generic wrapper to an already deployed contract.
func bindAlephToken(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := AlephTokenMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_AlephToken *AlephTokenRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _AlephToken.Contract.AlephTokenCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_AlephToken *AlephTokenRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _AlephToken.Contract.AlephTokenTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_AlephToken *AlephTokenRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _AlephToken.Contract.AlephTokenTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_AlephToken *AlephTokenCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _AlephToken.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_AlephToken *AlephTokenTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _AlephToken.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_AlephToken *AlephTokenTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _AlephToken.Contract.contract.Transact(opts, method, params...)
}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (_AlephToken *AlephTokenCaller) Allowance(opts *bind.CallOpts, arg0 common.Address, arg1 common.Address) (*big.Int, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "allowance", arg0, arg1)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (_AlephToken *AlephTokenSession) Allowance(arg0 common.Address, arg1 common.Address) (*big.Int, error) {
	return _AlephToken.Contract.Allowance(&_AlephToken.CallOpts, arg0, arg1)
}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (_AlephToken *AlephTokenCallerSession) Allowance(arg0 common.Address, arg1 common.Address) (*big.Int, error) {
	return _AlephToken.Contract.Allowance(&_AlephToken.CallOpts, arg0, arg1)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (_AlephToken *AlephTokenCaller) BalanceOf(opts *bind.CallOpts, arg0 common.Address) (*big.Int, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "balanceOf", arg0)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (_AlephToken *AlephTokenSession) BalanceOf(arg0 common.Address) (*big.Int, error) {
	return _AlephToken.Contract.BalanceOf(&_AlephToken.CallOpts, arg0)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (_AlephToken *AlephTokenCallerSession) BalanceOf(arg0 common.Address) (*big.Int, error) {
	return _AlephToken.Contract.BalanceOf(&_AlephToken.CallOpts, arg0)
}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_AlephToken *AlephTokenCaller) Decimals(opts *bind.CallOpts) (uint8, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "decimals")

	if err != nil {
		return *new(uint8), err
	}

	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)

	return out0, err

}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_AlephToken *AlephTokenSession) Decimals() (uint8, error) {
	return _AlephToken.Contract.Decimals(&_AlephToken.CallOpts)
}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_AlephToken *AlephTokenCallerSession) Decimals() (uint8, error) {
	return _AlephToken.Contract.Decimals(&_AlephToken.CallOpts)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_AlephToken *AlephTokenCaller) Name(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "name")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_AlephToken *AlephTokenSession) Name() (string, error) {
	return _AlephToken.Contract.Name(&_AlephToken.CallOpts)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_AlephToken *AlephTokenCallerSession) Name() (string, error) {
	return _AlephToken.Contract.Name(&_AlephToken.CallOpts)
}

// Owner is a free data retrieval call binding the contract method 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (_AlephToken *AlephTokenCaller) Owner(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "owner")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Owner is a free data retrieval call binding the contract method 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (_AlephToken *AlephTokenSession) Owner() (common.Address, error) {
	return _AlephToken.Contract.Owner(&_AlephToken.CallOpts)
}

// Owner is a free data retrieval call binding the contract method 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (_AlephToken *AlephTokenCallerSession) Owner() (common.Address, error) {
	return _AlephToken.Contract.Owner(&_AlephToken.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_AlephToken *AlephTokenCaller) Symbol(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "symbol")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_AlephToken *AlephTokenSession) Symbol() (string, error) {
	return _AlephToken.Contract.Symbol(&_AlephToken.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_AlephToken *AlephTokenCallerSession) Symbol() (string, error) {
	return _AlephToken.Contract.Symbol(&_AlephToken.CallOpts)
}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_AlephToken *AlephTokenCaller) TotalSupply(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _AlephToken.contract.Call(opts, &out, "totalSupply")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_AlephToken *AlephTokenSession) TotalSupply() (*big.Int, error) {
	return _AlephToken.Contract.TotalSupply(&_AlephToken.CallOpts)
}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_AlephToken *AlephTokenCallerSession) TotalSupply() (*big.Int, error) {
	return _AlephToken.Contract.TotalSupply(&_AlephToken.CallOpts)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_AlephToken *AlephTokenTransactor) Approve(opts *bind.TransactOpts, spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.contract.Transact(opts, "approve", spender, value)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_AlephToken *AlephTokenSession) Approve(spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Approve(&_AlephToken.TransactOpts, spender, value)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_AlephToken *AlephTokenTransactorSession) Approve(spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Approve(&_AlephToken.TransactOpts, spender, value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_AlephToken *AlephTokenTransactor) Burn(opts *bind.TransactOpts, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.contract.Transact(opts, "burn", value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_AlephToken *AlephTokenSession) Burn(value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Burn(&_AlephToken.TransactOpts, value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_AlephToken *AlephTokenTransactorSession) Burn(value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Burn(&_AlephToken.TransactOpts, value)
}

// Mint is a paid mutator transaction binding the contract method 0x40c10f19.
//
// Solidity: function mint(address to, uint256 value) returns()
func (_AlephToken *AlephTokenTransactor) Mint(opts *bind.TransactOpts, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.contract.Transact(opts, "mint", to, value)
}

// Mint is a paid mutator transaction binding the contract method 0x40c10f19.
//
// Solidity: function mint(address to, uint256 value) returns()
func (_AlephToken *AlephTokenSession) Mint(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Mint(&_AlephToken.TransactOpts, to, value)
}

// Mint is a paid mutator transaction binding the contract method 0x40c10f19.
//
// Solidity: function mint(address to, uint256 value) returns()
func (_AlephToken *AlephTokenTransactorSession) Mint(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Mint(&_AlephToken.TransactOpts, to, value)
}

// MultiTransfer is a paid mutator transaction binding the contract method 0x1e89d545.
//
// Solidity: function multiTransfer(address[] to, uint256[] values) returns(bool)
func (_AlephToken *AlephTokenTransactor) MultiTransfer(opts *bind.TransactOpts, to []common.Address, values []*big.Int) (*types.Transaction, error) {
	return _AlephToken.contract.Transact(opts, "multiTransfer", to, values)
}

// MultiTransfer is a paid mutator transaction binding the contract method 0x1e89d545.
//
// Solidity: function multiTransfer(address[] to, uint256[] values) returns(bool)
func (_AlephToken *AlephTokenSession) MultiTransfer(to []common.Address, values []*big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.MultiTransfer(&_AlephToken.TransactOpts, to, values)
}

// MultiTransfer is a paid mutator transaction binding the contract method 0x1e89d545.
//
// Solidity: function multiTransfer(address[] to, uint256[] values) returns(bool)
func (_AlephToken *AlephTokenTransactorSession) MultiTransfer(to []common.Address, values []*big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.MultiTransfer(&_AlephToken.TransactOpts, to, values)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_AlephToken *AlephTokenTransactor) Transfer(opts *bind.TransactOpts, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.contract.Transact(opts, "transfer", to, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_AlephToken *AlephTokenSession) Transfer(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Transfer(&_AlephToken.TransactOpts, to, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_AlephToken *AlephTokenTransactorSession) Transfer(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.Transfer(&_AlephToken.TransactOpts, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_AlephToken *AlephTokenTransactor) TransferFrom(opts *bind.TransactOpts, from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.contract.Transact(opts, "transferFrom", from, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_AlephToken *AlephTokenSession) TransferFrom(from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.TransferFrom(&_AlephToken.TransactOpts, from, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_AlephToken *AlephTokenTransactorSession) TransferFrom(from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _AlephToken.Contract.TransferFrom(&_AlephToken.TransactOpts, from, to, value)
}

// AlephTokenApprovalIterator is returned from FilterApproval and is used to iterate over the raw logs and unpacked data for Approval events raised by the AlephToken contract.
type AlephTokenApprovalIterator struct {
	Event *AlephTokenApproval // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *AlephTokenApprovalIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(AlephTokenApproval)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(AlephTokenApproval)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *AlephTokenApprovalIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *AlephTokenApprovalIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// AlephTokenApproval represents a Approval event raised by the AlephToken contract.
type AlephTokenApproval struct {
	Owner   common.Address
	Spender common.Address
	Value   *big.Int
	Raw     types.Log // Blockchain specific contextual infos
}

// FilterApproval is a free log retrieval operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_AlephToken *AlephTokenFilterer) FilterApproval(opts *bind.FilterOpts, owner []common.Address, spender []common.Address) (*AlephTokenApprovalIterator, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var spenderRule []interface{}
	for _, spenderItem := range spender {
		spenderRule = append(spenderRule, spenderItem)
	}

	logs, sub, err := _AlephToken.contract.FilterLogs(opts, "Approval", ownerRule, spenderRule)
	if err != nil {
		return nil, err
	}
	return &AlephTokenApprovalIterator{contract: _AlephToken.contract, event: "Approval", logs: logs, sub: sub}, nil
}

// WatchApproval is a free log subscription operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_AlephToken *AlephTokenFilterer) WatchApproval(opts *bind.WatchOpts, sink chan<- *AlephTokenApproval, owner []common.Address, spender []common.Address) (event.Subscription, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var spenderRule []interface{}
	for _, spenderItem := range spender {
		spenderRule = append(spenderRule, spenderItem)
	}

	logs, sub, err := _AlephToken.contract.WatchLogs(opts, "Approval", ownerRule, spenderRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(AlephTokenApproval)
				if err := _AlephToken.contract.UnpackLog(event, "Approval", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseApproval is a log parse operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_AlephToken *AlephTokenFilterer) ParseApproval(log types.Log) (*AlephTokenApproval, error) {
	event := new(AlephTokenApproval)
	if err := _AlephToken.contract.UnpackLog(event, "Approval", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// AlephTokenTransferIterator is returned from FilterTransfer and is used to iterate over the raw logs and unpacked data for Transfer events raised by the AlephToken contract.
type AlephTokenTransferIterator struct {
	Event *AlephTokenTransfer // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *AlephTokenTransferIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(AlephTokenTransfer)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(AlephTokenTransfer)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *AlephTokenTransferIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *AlephTokenTransferIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// AlephTokenTransfer represents a Transfer event raised by the AlephToken contract.
type AlephTokenTransfer struct {
	From  common.Address
	To    common.Address
	Value *big.Int
	Raw   types.Log // Blockchain specific contextual infos
}

// FilterTransfer is a free log retrieval operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_AlephToken *AlephTokenFilterer) FilterTransfer(opts *bind.FilterOpts, from []common.Address, to []common.Address) (*AlephTokenTransferIterator, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}

	logs, sub, err := _AlephToken.contract.FilterLogs(opts, "Transfer", fromRule, toRule)
	if err != nil {
		return nil, err
	}
	return &AlephTokenTransferIterator{contract: _AlephToken.contract, event: "Transfer", logs: logs, sub: sub}, nil
}

// WatchTransfer is a free log subscription operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_AlephToken *AlephTokenFilterer) WatchTransfer(opts *bind.WatchOpts, sink chan<- *AlephTokenTransfer, from []common.Address, to []common.Address) (event.Subscription, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}

	logs, sub, err := _AlephToken.contract.WatchLogs(opts, "Transfer", fromRule, toRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(AlephTokenTransfer)
				if err := _AlephToken.contract.UnpackLog(event, "Transfer", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseTransfer is a log parse operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_AlephToken *AlephTokenFilterer) ParseTransfer(log types.Log) (*AlephTokenTransfer, error) {
	event := new(AlephTokenTransfer)
	if err := _AlephToken.contract.UnpackLog(event, "Transfer", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
