#include "kessai/ledger/chart.hpp"

#include <cassert>

namespace kessai::ledger::chart {

namespace {

// Every input here is a validated identifier or a literal, so a parse failure is a bug in this file.
AccountCode make(std::string text) {
  std::optional<AccountCode> code = AccountCode::parse(text);
  assert(code.has_value());
  return std::move(*code);
}

}  // namespace

AccountCode bank() {
  return make("assets:bank:main");
}
AccountCode suspense() {
  return make("liabilities:suspense");
}
AccountCode receivable(const ProcessorId& processor) {
  return make("assets:receivable:" + processor.str());
}
AccountCode clearing(const ProcessorId& processor) {
  return make("assets:clearing:" + processor.str());
}
AccountCode revenue(const FeeCode& fee_code) {
  return make("revenue:fee:" + fee_code.str());
}
AccountCode processor_fee_expense(const ProcessorId& processor) {
  return make("expenses:processor-fee:" + processor.str());
}

std::vector<AccountDefinition> fixed_accounts() {
  return {
      {bank(), "普通預金 (bank)"},
      {suspense(), "仮受金 (suspense)"},
  };
}

std::vector<AccountDefinition> processor_accounts(const ProcessorId& processor) {
  return {
      {receivable(processor), "未収金 " + processor.str()},
      {clearing(processor), "入金待ち " + processor.str()},
      {processor_fee_expense(processor), "支払手数料 " + processor.str()},
  };
}

AccountDefinition revenue_account(const FeeCode& fee_code, const std::string& fee_name) {
  return {revenue(fee_code), fee_name};
}

}  // namespace kessai::ledger::chart
