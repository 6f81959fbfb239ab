package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"sync"
)

type Plans map[string]int

type PricingInfo struct {
	plans Plans
}

var pricingInfo = PricingInfo{plans: Plans{"cheap plan": 1, "expensive plan": 5}}

type PricingService struct {
	info    PricingInfo
	infoMtx sync.Mutex
}

func ClonePricing(pricingInfo PricingInfo) PricingInfo {
	cloned := PricingInfo{plans: make(Plans, len(pricingInfo.plans))}
	maps.Copy(cloned.plans, pricingInfo.plans)

	return cloned
}

func NewPricingService() *PricingService {
	return &PricingService{info: ClonePricing(pricingInfo), infoMtx: sync.Mutex{}}
}

func AddPricing(w http.ResponseWriter, r *http.Request) {
	pricingService := NewPricingService()

	pricingService.infoMtx.Lock()
	defer pricingService.infoMtx.Unlock()

	pricingService.info.plans["middle plan"] = 3

	encoder := json.NewEncoder(w)
	encoder.Encode(pricingService.info)
}

func GetPricing(w http.ResponseWriter, r *http.Request) {
	pricingService := NewPricingService()

	pricingService.infoMtx.Lock()
	defer pricingService.infoMtx.Unlock()

	encoder := json.NewEncoder(w)
	encoder.Encode(pricingService.info)
}

func main() {
	http.HandleFunc("POST /add-pricing", AddPricing)
	http.HandleFunc("GET /pricing", GetPricing)
	http.ListenAndServe(":12345", nil)
}

// racecheck:compiles-with go1.21 (imports maps)
